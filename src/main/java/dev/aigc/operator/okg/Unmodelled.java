package dev.aigc.operator.okg;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.Map;

/** Keeps fields we do not model, so that reading and writing an OKG object never loses them. */
public abstract class Unmodelled {
  @JsonIgnore private final Map<String, Object> unmodelled = new LinkedHashMap<>();

  @JsonAnyGetter
  public Map<String, Object> getUnmodelled() {
    return unmodelled;
  }

  @JsonAnySetter
  public void setUnmodelled(String name, Object value) {
    unmodelled.put(name, value);
  }
}
