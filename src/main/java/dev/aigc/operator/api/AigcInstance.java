package dev.aigc.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One user's instance of one template. */
@Group(AigcTemplate.GROUP)
@Version(AigcTemplate.VERSION)
@Categories("aigc")
@ShortNames("aigci")
@AdditionalPrinterColumn(name = "Owner", jsonPath = ".spec.owner", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Template", jsonPath = ".spec.template", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
// UpToDate, RestartToUpdate (a new template version waits for the next start) or Updating
@AdditionalPrinterColumn(
    name = "Update",
    jsonPath = ".status.conditions[?(@.type==\"UpdateAvailable\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "URL", jsonPath = ".status.url", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AigcInstance extends CustomResource<AigcInstanceSpec, AigcInstanceStatus>
    implements Namespaced {
  /** Set by the gateway's restart: each new value asks the operator for one pod recreation. */
  public static final String RESTART_ANNOTATION = "aigc.dev/restart-requested-at";
  /**
   * The instance controller's finalizer (JOSDK's default name for this kind, so instances made by
   * earlier versions keep theirs). The gateway creates instances carrying it; the operator adds it to
   * others. It holds an instance until its cleanup has handed its disk to its retention.
   */
  public static final String FINALIZER = "aigcinstances.aigc.dev/finalizer";

  /**
   * A user's install, as the gateway creates it: with {@link #FINALIZER} already on, which the
   * operator would otherwise add in a write of its own before the instance could get its ID.
   */
  public static AigcInstance install(String namespace, String name, String template, String owner) {
    AigcInstance instance = new AigcInstance();
    instance.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withFinalizers(FINALIZER).build());
    AigcInstanceSpec spec = new AigcInstanceSpec();
    spec.setTemplate(template);
    spec.setOwner(owner);
    instance.setSpec(spec);
    return instance;
  }
}
