package dev.aigc.operator.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code kubectl.kubernetes.io/last-applied-configuration} annotation as {@code kubectl apply}
 * writes it: the applied object, its annotations there even when empty, as Go's encoding/json prints
 * it (keys sorted, no spaces, {@code <>&} escaped, a final newline). The sandbox loads the examples with it, so that a later
 * {@code kubectl apply -f examples/} finds them unchanged instead of warning that they were not
 * created by apply.
 */
final class LastApplied {
  static final String ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
  private static final ObjectMapper GO_JSON = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  static {
    GO_JSON.getFactory().setCharacterEscapes(new GoEscapes());
  }

  private LastApplied() {}

  /** @param applied the object as read from its file, with the namespace it is applied to */
  @SuppressWarnings("unchecked")
  static String of(Map<String, Object> applied) {
    Map<String, Object> object = new LinkedHashMap<>(applied);
    Map<String, Object> metadata = new LinkedHashMap<>((Map<String, Object>) object.getOrDefault("metadata", Map.of()));
    Map<String, Object> annotations = new LinkedHashMap<>((Map<String, Object>) metadata.getOrDefault("annotations", Map.of()));
    annotations.remove(ANNOTATION);
    metadata.put("annotations", annotations);
    object.put("metadata", metadata);
    try {
      return GO_JSON.writeValueAsString(object) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Go escapes these for HTML safety; Jackson would write them as they are. */
  private static final class GoEscapes extends CharacterEscapes {
    private final int[] ascii = standardAsciiEscapesForJSON();

    GoEscapes() {
      ascii['<'] = ESCAPE_CUSTOM;
      ascii['>'] = ESCAPE_CUSTOM;
      ascii['&'] = ESCAPE_CUSTOM;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case '<', '>', '&', 0x2028, 0x2029 -> new SerializedString(String.format("\\u%04x", ch));
        default -> null;
      };
    }
  }
}
