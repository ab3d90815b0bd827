package dev.aigc.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.dedicated) || has(self.shared)",
    message = "at least one of spec.dedicated and spec.shared is required",
    reason = "FieldValueRequired")
public class AigcTemplateSpec {
  @Size(max = 128)
  private String displayName;
  @Size(max = 4096)
  private String description;
  @Required private AppSpec app;
  private ComputeSpec compute;
  private DedicatedSpec dedicated;
  private SharedSpec shared;
  @Default("OnRestart")
  private UpgradePolicy upgradePolicy;
  @Default("Cascade")
  private DeletionPolicy deletionPolicy;
  /**
   * How long an instance may keep running an older version (see upgradePolicy) before the operator
   * restarts it onto the new one; absent: never forced.
   */
  @Pattern(Patterns.DURATION)
  @Size(max = 32)
  private String forceUpgradeAfter;

  public String getDisplayName() { return displayName; }
  public void setDisplayName(String displayName) { this.displayName = displayName; }
  public String getDescription() { return description; }
  public void setDescription(String description) { this.description = description; }
  public AppSpec getApp() { return app; }
  public void setApp(AppSpec app) { this.app = app; }
  public ComputeSpec getCompute() { return compute; }
  public void setCompute(ComputeSpec compute) { this.compute = compute; }
  public DedicatedSpec getDedicated() { return dedicated; }
  public void setDedicated(DedicatedSpec dedicated) { this.dedicated = dedicated; }
  public SharedSpec getShared() { return shared; }
  public void setShared(SharedSpec shared) { this.shared = shared; }
  public UpgradePolicy getUpgradePolicy() { return upgradePolicy; }
  public void setUpgradePolicy(UpgradePolicy upgradePolicy) { this.upgradePolicy = upgradePolicy; }
  public DeletionPolicy getDeletionPolicy() { return deletionPolicy; }
  public void setDeletionPolicy(DeletionPolicy deletionPolicy) { this.deletionPolicy = deletionPolicy; }

  public DeletionPolicy effectiveDeletionPolicy() {
    return deletionPolicy == null ? DeletionPolicy.Cascade : deletionPolicy;
  }

  public String getForceUpgradeAfter() { return forceUpgradeAfter; }
  public void setForceUpgradeAfter(String forceUpgradeAfter) { this.forceUpgradeAfter = forceUpgradeAfter; }

  public UpgradePolicy effectiveUpgradePolicy() {
    return upgradePolicy == null ? UpgradePolicy.OnRestart : upgradePolicy;
  }
}
