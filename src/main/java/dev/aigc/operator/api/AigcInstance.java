package dev.aigc.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
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
}
