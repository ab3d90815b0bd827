package dev.aigc.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** What an admin publishes: an app image plus compute, storage and network settings. */
@Group(AigcTemplate.GROUP)
@Version(AigcTemplate.VERSION)
@Categories("aigc")
@ShortNames("aigct")
@AdditionalPrinterColumn(name = "Modes", jsonPath = ".status.modes", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Instances", jsonPath = ".status.instances", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Upgrade", jsonPath = ".spec.upgradePolicy", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Outdated", jsonPath = ".status.outdatedInstances", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// The template name becomes the GameServerSet's, whose pods' revision label must stay within 63 characters.
@ValidationRule(
    value = "self.metadata.name.size() <= 52",
    message = "metadata.name of an AigcTemplate must be at most 52 characters",
    reason = "FieldValueInvalid")
public class AigcTemplate extends CustomResource<AigcTemplateSpec, AigcTemplateStatus>
    implements Namespaced {
  public static final String GROUP = "aigc.dev";
  public static final String VERSION = "v1alpha1";
}
