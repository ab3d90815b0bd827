package dev.aigc.operator.reconcile;

import dev.aigc.operator.config.OperatorSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import java.util.function.Consumer;

/** Builds the operator: both reconcilers on one client, configured from {@link OperatorSettings}. */
public final class AigcOperator implements AutoCloseable {
  private final Operator operator;

  public AigcOperator(KubernetesClient client, OperatorSettings settings) {
    this.operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        // the mock API server has no server-side apply, and production must run the tested path
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false));
    EventRecorder events = new EventRecorder(client);
    Consumer<ControllerConfigurationOverrider<?>> namespaces = c -> {
      if (settings.watchAllNamespaces()) c.watchingAllNamespaces();
      else c.settingNamespaces(settings.namespaces());
    };
    operator.register(new AigcTemplateReconciler(settings, events, new GameServerSetWriter(client),
            new SharedEndpoints(client, events)),
        c -> namespaces.accept(c));
    operator.register(new AigcInstanceReconciler(client, events), c -> {
      namespaces.accept(c);
      // not generation-aware (annotations matter), but our own status writes are no reason to run
      c.withOnUpdateFilter(AigcInstanceReconciler::worthReconciling);
    });
  }

  public AigcOperator start() {
    operator.start();
    return this;
  }

  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
  }
}
