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
  /** On the GameServerSet: the durable record of which instance holds which ID (JSON object). */
  public static final String INSTANCE_IDS = "aigc.dev/instance-ids";
  /** On what a template renders: the template generation it was rendered from. */
  public static final String TEMPLATE_GENERATION = "aigc.dev/template-generation";
  /** On a retained disk: who owned it, so that only that user gets it back. */
  public static final String DISK_OWNER = "aigc.dev/owner";
  /** On a retained disk: the instance it belonged to. */
  public static final String DISK_INSTANCE = "aigc.dev/instance";

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

  /** Selector for the disks OKG creates from our claim template (it copies the template's labels). */
  public static String diskSelector() {
    return MANAGED_BY + "=" + OPERATOR + "," + COMPONENT + "=" + DEDICATED;
  }
}
