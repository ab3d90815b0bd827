package dev.aigc.operator.render;

import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.api.DedicatedSpec;
import dev.aigc.operator.api.IngressSpec;
import dev.aigc.operator.api.UpgradePolicy;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.okg.GameServerSet;
import dev.aigc.operator.okg.GameServerSetSpec;
import dev.aigc.operator.okg.GameServerTemplate;
import dev.aigc.operator.okg.Network;
import dev.aigc.operator.okg.Network.NetworkConfParam;
import dev.aigc.operator.okg.PvcRetentionPolicy;
import dev.aigc.operator.okg.ScaleStrategy;
import dev.aigc.operator.okg.UpdateStrategy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Template + allocation + settings in, the template's GameServerSet out. Every field the operator
 * writes on a GameServerSet is set here.
 */
public final class GameServerSetRenderer {
  public static final String AUTH_URL = "nginx.ingress.kubernetes.io/auth-url";
  public static final String AUTH_SIGNIN = "nginx.ingress.kubernetes.io/auth-signin";
  public static final String AUTH_RESPONSE_HEADERS = "nginx.ingress.kubernetes.io/auth-response-headers";
  /**
   * With {@link #DEFAULT_BACKEND}: ingress-nginx hands a 503 of the instance's Ingress (its Service
   * has no endpoints while the instance is suspended, or the app answered 503) to the wake Service,
   * after auth-url allowed the request.
   */
  public static final String CUSTOM_HTTP_ERRORS = "nginx.ingress.kubernetes.io/custom-http-errors";
  public static final String DEFAULT_BACKEND = "nginx.ingress.kubernetes.io/default-backend";
  /**
   * The auth-url query parameter that names the host nginx routed the request to. ingress-nginx
   * copies auth-url into {@code set $target "..."; proxy_pass $target;} inside the Ingress host's own
   * server block, so nginx expands {@code $server_name} per request to that block's name: the Ingress
   * host, which the client cannot choose, unlike the Host header X-Original-URL is built from (an
   * absolute-form request line routes by its own host). ingress-nginx's annotation check allows
   * {@code $} and {@code _} in auth-url.
   */
  public static final String ROUTED_HOST_PARAM = "host";
  static final String ROUTED_HOST_VARIABLE = "$server_name";

  private GameServerSetRenderer() {}

  public static GameServerSet render(AigcTemplate template, Allocation allocation, OperatorSettings settings) {
    return render(template, allocation, settings, null);
  }

  /**
   * @param current the set in the cluster, or null: its pod template's generation is kept when the
   *     pod template is otherwise unchanged ({@link PodTemplateVersion})
   */
  public static GameServerSet render(AigcTemplate template, Allocation allocation, OperatorSettings settings, GameServerSet current) {
    DedicatedSpec dedicated = template.getSpec().getDedicated();
    String name = template.getMetadata().getName();

    GameServerSet gss = new GameServerSet();
    gss.setMetadata(
        new ObjectMetaBuilder()
            .withName(Names.gameServerSet(name))
            .withNamespace(template.getMetadata().getNamespace())
            .withLabels(Labels.forTemplate(name, Labels.DEDICATED))
            .withAnnotations(annotations(template))
            .build());
    // offline rendering (the CLI) has no UID to point at; the API server would reject an empty one
    if (template.getMetadata().getUid() != null) {
      gss.getMetadata().setOwnerReferences(List.of(ownerReference(template)));
    }

    GameServerSetSpec spec = new GameServerSetSpec();
    spec.setReplicas(allocation.replicas());
    spec.setReserveGameServerIds(allocation.reserveIds().stream().map(IntOrString::new).toList());
    spec.setScaleStrategy(scaleStrategy());
    spec.setUpdateStrategy(updateStrategy(template.getSpec().effectiveUpgradePolicy()));
    // Template deletion and scale-down both keep disks: user data goes only on purpose (invariant 4).
    spec.setPersistentVolumeClaimRetentionPolicy(
        new PvcRetentionPolicy(PvcRetentionPolicy.RETAIN, PvcRetentionPolicy.RETAIN));
    GameServerTemplate podTemplate = gameServerTemplate(template, dedicated);
    PodTemplateVersion.stamp(podTemplate, template.getMetadata().getGeneration());
    PodTemplateVersion.carryForward(podTemplate, current);
    spec.setGameServerTemplate(podTemplate);
    spec.setNetwork(network(name, template.getSpec().getApp().effectivePort(), dedicated.getIngress(), dedicated.getIdle() != null, settings));
    gss.setSpec(spec);
    return GameServerSetUpdate.withHash(gss);
  }

  // Which instance holds which ID is recorded on the disks (DiskRenderer), never here: a
  // GameServerSet can be deleted, replaced and is capped at 256 KiB of annotations.
  private static Map<String, String> annotations(AigcTemplate template) {
    Map<String, String> annotations = new LinkedHashMap<>();
    Labels.putGeneration(annotations, template);
    return annotations;
  }

  private static ScaleStrategy scaleStrategy() {
    ScaleStrategy scale = new ScaleStrategy();
    scale.setScaleDownStrategyType(ScaleStrategy.RESERVE_IDS);
    return scale;
  }

  /**
   * How OKG moves running pods to a changed pod template (DESIGN section 4, "Template updates").
   * OnRestart and WhenIdle (whose update comes with the pod a wake makes): {@code type: OnDelete} without
   * rollingUpdate, so no running pod is touched and every pod made later (a start, a restart, a
   * lost node) gets the new revision; a rollingUpdate with a partition above zero would instead
   * bring re-created pods back on an older revision. Immediate: all at once, in place where OKG
   * can (image-only changes): every instance belongs to one user, so one by one gains nothing.
   */
  static UpdateStrategy updateStrategy(UpgradePolicy policy) {
    UpdateStrategy update = new UpdateStrategy();
    if (policy != UpgradePolicy.Immediate) {
      update.setType(UpdateStrategy.ON_DELETE);
      return update;
    }
    UpdateStrategy.RollingUpdate rolling = new UpdateStrategy.RollingUpdate();
    rolling.setPodUpdatePolicy("InPlaceIfPossible");
    rolling.setMaxUnavailable(new IntOrString("100%"));
    update.setRollingUpdate(rolling);
    return update;
  }

  private static GameServerTemplate gameServerTemplate(AigcTemplate template, DedicatedSpec dedicated) {
    var spec = template.getSpec();
    String name = template.getMetadata().getName();
    int port = spec.getApp().effectivePort();
    Probe defaultProbe =
        AppContainer.tcpProbe(port)
            .withInitialDelaySeconds(5)
            .withPeriodSeconds(10)
            .withTimeoutSeconds(1)
            .withSuccessThreshold(1)
            .withFailureThreshold(3)
            .build();
    Container container = AppContainer.render(spec.getApp(), spec.getCompute(), defaultProbe);
    container.setVolumeMounts(
        List.of(
            new VolumeMountBuilder()
                .withName(Names.DATA_VOLUME)
                .withMountPath(dedicated.getStorage().getMountPath())
                .build()));

    PodPlacement placement = PodPlacement.of(spec.getCompute());
    Map<String, String> podLabels = new LinkedHashMap<>(Labels.forTemplate(name, Labels.DEDICATED));
    podLabels.putAll(placement.labels());

    GameServerTemplate gst = new GameServerTemplate();
    gst.setMetadata(
        new ObjectMetaBuilder()
            .withLabels(podLabels)
            .withAnnotations(placement.annotations().isEmpty() ? null : placement.annotations())
            .build());
    var podSpec = new PodSpecBuilder()
        .withContainers(container)
        .withNodeSelector(placement.nodeSelector().isEmpty() ? null : placement.nodeSelector())
        .withTolerations(placement.tolerations())
        .build();
    AppContainer.applyPodSettings(spec.getApp(), podSpec);
    gst.setSpec(podSpec);
    gst.setVolumeClaimTemplates(List.of(volumeClaimTemplate(name, dedicated)));
    return gst;
  }

  // The operator creates each ID's disk itself (DiskRenderer) before OKG would; this template is
  // what OKG falls back to, with the same spec and labels.
  private static PersistentVolumeClaim volumeClaimTemplate(String template, DedicatedSpec dedicated) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(Names.DATA_VOLUME)
        .withLabels(Labels.forDisk(template))
        .endMetadata()
        .withSpec(DiskRenderer.spec(dedicated.getStorage()))
        .build();
  }

  /**
   * @param idles whether the template suspends idle instances: their per-ID Service and Ingress are
   *     then kept while the pod is gone ({@code Fixed}), so that opening the URL reaches nginx's
   *     default backend, the gateway's wake page, instead of no Ingress at all
   */
  private static Network network(String template, int port, IngressSpec ingress, boolean idles, OperatorSettings settings) {
    List<NetworkConfParam> conf = new ArrayList<>();
    conf.add(new NetworkConfParam("IngressClassName", ingress.effectiveClassName()));
    conf.add(new NetworkConfParam("Port", Integer.toString(port)));
    conf.add(new NetworkConfParam("Host", ingress.getHost()));
    conf.add(new NetworkConfParam("PathType", ingress.effectivePathType().name()));
    conf.add(new NetworkConfParam("Path", ingress.effectivePath()));
    if (ingress.getTlsSecretName() != null) {
      conf.add(new NetworkConfParam("TlsSecretName", ingress.getTlsSecretName()));
      // OKG does not substitute <id> in TlsHosts, so name the wildcard that covers every instance's host.
      String wildcard = tlsWildcard(ingress.getHost());
      if (wildcard != null) conf.add(new NetworkConfParam("TlsHosts", wildcard));
    }
    if (idles) conf.add(new NetworkConfParam("Fixed", "true"));
    if (settings.gatewayAuthUrl() != null) {
      conf.add(annotation(AUTH_URL, authUrl(settings.gatewayAuthUrl())));
      conf.add(annotation(AUTH_RESPONSE_HEADERS, "X-Auth-Request-User,X-Auth-Request-Email"));
    }
    if (settings.gatewaySignInUrl() != null) {
      conf.add(annotation(AUTH_SIGNIN, settings.gatewaySignInUrl()));
    }
    // Without the gateway's Service there is no wake Service to name: the URL of a suspended
    // instance then answers nginx's plain 503, and the dashboard's Open still wakes it.
    boolean wakes = idles && settings.gatewayService() != null;
    if (wakes) {
      conf.add(annotation(CUSTOM_HTTP_ERRORS, "503"));
      conf.add(annotation(DEFAULT_BACKEND, Names.wakeService(template)));
    }
    if (ingress.getAnnotations() != null) {
      new TreeMap<>(ingress.getAnnotations())
          .forEach(
              (key, value) -> {
                // the gateway's auth and wake annotations are the operator's to set, never a template's
                if (!key.startsWith("nginx.ingress.kubernetes.io/auth-") && !(wakes && isWakeAnnotation(key))) {
                  conf.add(annotation(key, value));
                }
              });
    }
    Network network = new Network();
    network.setNetworkType(Network.KUBERNETES_INGRESS);
    network.setNetworkConf(conf);
    return network;
  }

  private static boolean isWakeAnnotation(String key) {
    return key.equals(CUSTOM_HTTP_ERRORS) || key.equals(DEFAULT_BACKEND);
  }

  /** The gateway's /auth URL with the routed host added to its query, e.g. {@code http://gw:8080/auth?host=$server_name}. */
  static String authUrl(String gatewayAuthUrl) {
    return gatewayAuthUrl + (gatewayAuthUrl.contains("?") ? "&" : "?") + ROUTED_HOST_PARAM + "=" + ROUTED_HOST_VARIABLE;
  }

  /** {@code *.example.com} for {@code instances<id>-cpu.example.com}; null when {@code <id>} is not in the first label. */
  static String tlsWildcard(String hostPattern) {
    int dot = hostPattern.indexOf('.');
    if (dot < 0 || !hostPattern.substring(0, dot).contains(IngressSpec.ID_PLACEHOLDER)) return null;
    return "*" + hostPattern.substring(dot);
  }

  private static NetworkConfParam annotation(String key, String value) {
    return new NetworkConfParam("Annotation", key + ": " + value);
  }

  public static io.fabric8.kubernetes.api.model.OwnerReference ownerReference(AigcTemplate template) {
    return new OwnerReferenceBuilder()
        .withApiVersion(template.getApiVersion())
        .withKind(template.getKind())
        .withName(template.getMetadata().getName())
        .withUid(template.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
