package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.Map;

/** Keeps fields we do not model, so that reading and writing an OKG object never loses them. */
public abstract class Unmodelled {
  /** Made on the first unmodelled field: most objects have none, and the operator caches thousands. */
  @JsonIgnore private Map<String, Object> unmodelled;

  /** Read only; {@link #setUnmodelled} adds. */
  @JsonAnyGetter
  public Map<String, Object> getUnmodelled() {
    return unmodelled == null ? Map.of() : java.util.Collections.unmodifiableMap(unmodelled);
  }

  @JsonAnySetter
  public void setUnmodelled(String name, Object value) {
    if (unmodelled == null) unmodelled = new LinkedHashMap<>();
    unmodelled.put(name, value);
  }
}
