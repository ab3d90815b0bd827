package dev.aigc.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * GPU bounds of one namespace, across its templates: a kind of its own rather than operator
 * settings, so that each namespace's admins (or their GitOps repository) own their bounds, and
 * kubectl shows them. Several in one namespace all apply. No status: an instance beyond a bound
 * says which AigcQuota holds it.
 */
@Group(AigcTemplate.GROUP)
@Version(AigcTemplate.VERSION)
@Categories("aigc")
@ShortNames("aigcq")
@AdditionalPrinterColumn(name = "GPUs", jsonPath = ".spec.gpus", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "GPUs per user", jsonPath = ".spec.gpusPerUser", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "GPU GiB", jsonPath = ".spec.gpuMemoryGiB", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "GPU GiB per user", jsonPath = ".spec.gpuMemoryGiBPerUser", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AigcQuota extends CustomResource<AigcQuotaSpec, Void> implements Namespaced {}
