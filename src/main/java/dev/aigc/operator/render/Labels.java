package dev.aigc.operator.render;

import java.util.LinkedHashMap;
import java.util.Map;

/** Labels and annotations the operator puts on what it creates, and the keys it reads back. */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "aigc-operator";

  public static final String TEMPLATE = "aigc.dev/template";
  /** On what a template renders: the template generation it was rendered from. */
  public static final String TEMPLATE_GENERATION = "aigc.dev/template-generation";
  /** On a disk (the ID record): the user it belongs to; only this user ever gets it. */
  public static final String DISK_OWNER = "aigc.dev/owner";
  /** On a disk: the name of the instance that holds (or last held) it, for people reading it. */
  public static final String DISK_INSTANCE = "aigc.dev/instance";
  /** On a disk: the UID of the instance that holds (or last held) it; a same-named instance is another one. */
  public static final String DISK_INSTANCE_UID = "aigc.dev/instance-uid";
  /** On a disk: its instance was deleted with retention Delete; remove it once its ID no longer runs. */
  public static final String DISK_DELETE_ON_RELEASE = "aigc.dev/delete-on-release";

  public static final String DEDICATED = "dedicated";
  public static final String SHARED = "shared";

  private Labels() {}

  /** The labels of every object made for one template's mode. */
  public static Map<String, String> forTemplate(String template, String component) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, "aigc-app");
    labels.put(INSTANCE, template);
    labels.put(COMPONENT, component);
    labels.put(PART_OF, "aigc");
    labels.put(MANAGED_BY, OPERATOR);
    labels.put(TEMPLATE, template);
    return labels;
  }

  /** Records the template generation an object was rendered from (none for offline input). */
  public static void putGeneration(Map<String, String> annotations, io.fabric8.kubernetes.api.model.HasMetadata template) {
    Long generation = template.getMetadata().getGeneration();
    if (generation != null) annotations.put(TEMPLATE_GENERATION, generation.toString());
  }

  /**
   * The labels of a user's disk: like {@link #forTemplate} but without {@code app.kubernetes.io/instance},
   * which Argo CD (before 3.0) reads as "belongs to the Application of that name" and would prune.
   */
  public static Map<String, String> forDisk(String template) {
    Map<String, String> labels = forTemplate(template, DEDICATED);
    labels.remove(INSTANCE);
    return labels;
  }
}
