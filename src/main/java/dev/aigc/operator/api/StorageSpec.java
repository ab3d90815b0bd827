package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Each instance's own disk: one PersistentVolumeClaim per instance ID. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {
  @Required
  @Pattern(Patterns.QUANTITY)
  @Size(max = 64)
  private String size;

  @Size(max = 253)
  private String storageClassName;

  @Required
  @Pattern("^/.*")
  @Size(max = 1024)
  private String mountPath;

  public String getSize() { return size; }
  public void setSize(String size) { this.size = size; }
  public String getStorageClassName() { return storageClassName; }
  public void setStorageClassName(String storageClassName) { this.storageClassName = storageClassName; }
  public String getMountPath() { return mountPath; }
  public void setMountPath(String mountPath) { this.mountPath = mountPath; }
}
