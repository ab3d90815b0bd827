package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;

/** OKG inlines a PodTemplateSpec here, plus the per-ID volume claims. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GameServerTemplate extends Unmodelled {
  private ObjectMeta metadata;
  private PodSpec spec;
  private List<PersistentVolumeClaim> volumeClaimTemplates;

  public ObjectMeta getMetadata() { return metadata; }
  public void setMetadata(ObjectMeta metadata) { this.metadata = metadata; }
  public PodSpec getSpec() { return spec; }
  public void setSpec(PodSpec spec) { this.spec = spec; }
  public List<PersistentVolumeClaim> getVolumeClaimTemplates() { return volumeClaimTemplates; }
  public void setVolumeClaimTemplates(List<PersistentVolumeClaim> v) { this.volumeClaimTemplates = v; }
}
