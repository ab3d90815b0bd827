package dev.aigc.operator.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.introspect.AnnotatedField;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.util.ClassUtil;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every Kubernetes client of this program reads objects from the API server: what it cannot read
 * it skips, instead of failing the whole object. One object that cannot be read would otherwise stop
 * the informer of its kind, and with it the operator (and the sandbox, and the gateway's catalog).
 *
 * <ul>
 *   <li>A field this version does not know (written through a newer CRD during an upgrade, or kept by
 *       an API server that does not prune) is ignored.
 *   <li>A value of the wrong JSON type (only an API server without schema validation stores one) is
 *       read as absent, so that the validators report the field as missing; in a class that keeps
 *       the fields it does not model (OKG's {@code Unmodelled}, fabric8's {@code additionalProperties})
 *       it is kept there as it was, so that an update writes it back unchanged.
 *   <li>A field that fails in any other way (e.g. a constructor that refuses the value) is read as
 *       absent too, as a last resort, so that the rest of the object is still read.
 * </ul>
 *
 * Each (kind, field path) is logged once at WARN per instance of this class, later readings at DEBUG.
 * Only objects read from the API server go through here: input a person edits (the CLI's
 * {@code render -f}) stays strict, so that a typo is an error naming the field.
 */
public final class LenientSerialization extends KubernetesSerialization {
  private static final Logger log = LoggerFactory.getLogger(LenientSerialization.class);
  /** Enough for every field of every kind; past it, nothing new is remembered (and all goes to DEBUG). */
  private static final int MAX_REMEMBERED = 1000;

  public LenientSerialization() {
    super(new ObjectMapper(), true);
  }

  @Override
  protected void configureMapper(ObjectMapper mapper) {
    super.configureMapper(mapper);
    Problems problems = new Problems();
    mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.addHandler(new SkipWhatCannotBeRead(problems));
    mapper.registerModule(new SimpleModule("aigc-lenient-properties").setDeserializerModifier(new BeanDeserializerModifier() {
      @Override
      public BeanDeserializerBuilder updateBuilder(
          DeserializationConfig config, BeanDescription description, BeanDeserializerBuilder builder) {
        builder.getProperties().forEachRemaining(
            property -> builder.addOrReplaceProperty(new AbsentIfUnreadable(property, problems), true));
        return builder;
      }
    }));
  }

  /** Where in which object a field is, e.g. AigcTemplate team-a/sd, spec.app.port. */
  private record Location(String kind, String object, String path, String pattern) {
    String describe() {
      return kind + (object == null ? "" : " " + object);
    }
  }

  /** Logs each (kind, field path) once at WARN, and again at DEBUG. */
  private static final class Problems {
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    void report(Location at, String what) {
      String key = at.kind() + " " + at.pattern();
      if (logged.size() < MAX_REMEMBERED && logged.add(key)) {
        log.warn("{}: {} (logged once per kind and field)", at.describe(), what);
      } else if (log.isDebugEnabled()) {
        log.debug("{}: {} (again)", at.describe(), what);
      }
    }
  }

  /** Unknown fields, and values of the wrong JSON type, as Jackson meets them. */
  private static final class SkipWhatCannotBeRead extends DeserializationProblemHandler {
    private final Problems problems;
    private final Map<Class<?>, Optional<AnnotatedMember>> anySetters = new ConcurrentHashMap<>();

    SkipWhatCannotBeRead(Problems problems) {
      this.problems = problems;
    }

    @Override
    public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
        Object beanOrClass, String propertyName) throws IOException {
      Location at = locate(p, propertyName, beanOrClass, false);
      problems.report(at, "ignoring " + at.path() + ", a field this version does not know (written through a newer CRD?)");
      p.skipChildren();
      return true;
    }

    @Override
    public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value, String failureMsg)
        throws IOException {
      return unreadable(ctxt, ctxt.getParser(), targetType, got(ctxt.getParser(), "\"" + value + "\""));
    }

    @Override
    public Object handleWeirdNumberValue(DeserializationContext ctxt, Class<?> targetType, Number value, String failureMsg)
        throws IOException {
      return unreadable(ctxt, ctxt.getParser(), targetType, got(ctxt.getParser(), String.valueOf(value)));
    }

    @Override
    public Object handleWeirdNativeValue(DeserializationContext ctxt, JavaType targetType, Object value, JsonParser p)
        throws IOException {
      return unreadable(ctxt, p, targetType.getRawClass(), String.valueOf(value));
    }

    @Override
    public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType targetType, JsonToken token, JsonParser p,
        String failureMsg) throws IOException {
      return unreadable(ctxt, p, targetType.getRawClass(), describe(token));
    }

    @Override
    public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> instClass, ValueInstantiator inst,
        JsonParser p, String msg) throws IOException {
      return unreadable(ctxt, p, instClass, describe(p.currentToken()));
    }

    /**
     * The value at the parser cannot become {@code type}: keep it raw where the object has room for
     * fields it does not model, else skip it. Either way the typed field reads as absent.
     */
    private Object unreadable(DeserializationContext ctxt, JsonParser p, Class<?> type, String got) throws IOException {
      JsonStreamContext container = container(p, true);
      Object bean = container.inObject() ? container.getCurrentValue() : null;
      String field = container.inObject() ? container.getCurrentName() : null;
      Location at = locate(p, null, bean, true);
      AnnotatedMember anySetter = bean == null || field == null ? null : anySetter(ctxt, bean.getClass());
      if (anySetter != null) {
        keep(anySetter, bean, field, ctxt.readValue(p, Object.class));
        problems.report(at, at.path() + ": expected " + expected(type) + ", got " + got + "; kept as it is, unread");
      } else {
        skipValue(p);
        problems.report(at, at.path() + ": expected " + expected(type) + ", got " + got + "; read as absent");
      }
      return type.isPrimitive() ? ClassUtil.defaultValue(type) : null;
    }

    private AnnotatedMember anySetter(DeserializationContext ctxt, Class<?> beanClass) {
      return anySetters.computeIfAbsent(beanClass, c -> {
        AnnotatedMember member = ctxt.getConfig().introspect(ctxt.constructType(c)).findAnySetterAccessor();
        if (member instanceof AnnotatedMethod method && method.getParameterCount() == 2) return Optional.of(member);
        if (member instanceof AnnotatedField field && Map.class.isAssignableFrom(field.getRawType())) {
          return Optional.of(member);
        }
        return Optional.empty();
      }).orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static void keep(AnnotatedMember anySetter, Object bean, String field, Object raw) throws IOException {
      try {
        if (anySetter instanceof AnnotatedMethod method) {
          method.callOnWith(bean, field, raw);
        } else {
          ((Map<String, Object>) anySetter.getValue(bean)).put(field, raw);
        }
      } catch (Exception e) {
        throw new IOException("cannot keep " + field + " of " + bean.getClass().getSimpleName(), e);
      }
    }

    /** Moves the parser to the last token of the value it stands on. */
    private static void skipValue(JsonParser p) throws IOException {
      if (p.currentToken() == JsonToken.FIELD_NAME) {
        do {
          p.nextToken();
          p.skipChildren();
        } while (p.nextToken() == JsonToken.FIELD_NAME);
      } else {
        p.skipChildren();
      }
    }
  }

  /**
   * The last resort, around every property: a value that fails in a way the handler above does not
   * see (a constructor that refuses it, a custom deserializer) leaves its field absent, and the parser
   * is moved past it, so that the rest of the object is still read.
   */
  private static final class AbsentIfUnreadable extends SettableBeanProperty.Delegating {
    private final Problems problems;

    AbsentIfUnreadable(SettableBeanProperty delegate, Problems problems) {
      super(delegate);
      this.problems = problems;
    }

    @Override
    protected SettableBeanProperty withDelegate(SettableBeanProperty delegate) {
      return new AbsentIfUnreadable(delegate, problems);
    }

    @Override
    public void deserializeAndSet(JsonParser p, DeserializationContext ctxt, Object instance) throws IOException {
      JsonStreamContext holder = container(p, false);
      try {
        delegate.deserializeAndSet(p, ctxt, instance);
      } catch (JsonMappingException | RuntimeException e) {
        if (!skipped(p, holder, instance, e)) throw e;
      }
    }

    @Override
    public Object deserializeSetAndReturn(JsonParser p, DeserializationContext ctxt, Object instance) throws IOException {
      JsonStreamContext holder = container(p, false);
      try {
        return delegate.deserializeSetAndReturn(p, ctxt, instance);
      } catch (JsonMappingException | RuntimeException e) {
        if (!skipped(p, holder, instance, e)) throw e;
        return instance;
      }
    }

    /** @return false when the parser cannot be brought back past the value (the input ended) */
    private boolean skipped(JsonParser p, JsonStreamContext holder, Object instance, Exception e) throws IOException {
      // back to the object that holds the field: on the last token of the value, wherever it failed
      while (p.getParsingContext() != holder) {
        if (p.nextToken() == null) return false;
      }
      Location at = locate(p, getName(), instance, false);
      String message = e instanceof JsonMappingException m ? m.getOriginalMessage() : e.getMessage();
      String why = message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
      problems.report(at, at.path() + ": cannot be read (" + why + "); read as absent");
      return true;
    }
  }

  /**
   * The object or array that holds the value at the parser. At the start of an object or array the
   * parser has already entered it; a deserializer that gave up inside an object may leave it on a
   * field name ({@code maybeInside}).
   */
  private static JsonStreamContext container(JsonParser p, boolean maybeInside) {
    JsonStreamContext context = p.getParsingContext();
    JsonToken token = p.currentToken();
    boolean entered = token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY
        || (maybeInside && token == JsonToken.FIELD_NAME);
    return entered && context.getParent() != null ? context.getParent() : context;
  }

  /**
   * The field's path from the root of the Kubernetes object that holds it (not from a list or a watch
   * event around it), and its pattern, with list indices as [*].
   */
  private static Location locate(JsonParser p, String field, Object beanOrClass, boolean maybeInside) {
    Deque<String> path = new ArrayDeque<>();
    Deque<String> pattern = new ArrayDeque<>();
    HasMetadata root = null;
    JsonStreamContext innermost = container(p, maybeInside);
    for (JsonStreamContext context = innermost; context != null && !context.inRoot(); context = context.getParent()) {
      if (context.inObject() && context.getCurrentName() != null) {
        path.push(context.getCurrentName());
        pattern.push(context.getCurrentName());
      } else if (context.inArray()) {
        path.push("[" + Math.max(context.getCurrentIndex(), 0) + "]");
        pattern.push("[*]");
      }
      if (context.getCurrentValue() instanceof HasMetadata object) {
        root = object;
        break;
      }
    }
    // the parser normally stands on the field's value, so its name is already there
    if (field != null && !field.equals(innermost.getCurrentName())) {
      path.addLast(field);
      pattern.addLast(field);
    }
    String kind;
    String name = null;
    if (root != null) {
      kind = root.getKind() != null ? root.getKind() : root.getClass().getSimpleName();
      if (root.getMetadata() != null && root.getMetadata().getName() != null) {
        name = (root.getMetadata().getNamespace() == null ? "" : root.getMetadata().getNamespace() + "/")
            + root.getMetadata().getName();
      }
    } else {
      kind = beanOrClass == null ? "object"
          : (beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass()).getSimpleName();
    }
    return new Location(kind, name, join(path), join(pattern));
  }

  private static String join(Deque<String> segments) {
    StringBuilder out = new StringBuilder();
    for (String segment : segments) {
      if (out.length() > 0 && !segment.startsWith("[")) out.append('.');
      out.append(segment);
    }
    return out.length() == 0 ? "(the object)" : out.toString();
  }

  /** The value as text when it is a scalar, else what it is (Jackson hands some objects over as "{"). */
  private static String got(JsonParser p, String text) {
    JsonToken token = p == null ? null : p.currentToken();
    return token != null && token.isScalarValue() ? text : describe(token);
  }

  /** The JSON type that the Java type wants. */
  private static String expected(Class<?> type) {
    Class<?> boxed = type.isPrimitive() ? ClassUtil.wrapperType(type) : type;
    if (CharSequence.class.isAssignableFrom(boxed)) return "a string";
    if (Number.class.isAssignableFrom(boxed)) return "a number";
    if (boxed == Boolean.class) return "a boolean";
    if (type.isEnum()) return "one of " + Arrays.toString(type.getEnumConstants());
    if (Collection.class.isAssignableFrom(type) || type.isArray()) return "a list";
    return "an object (" + type.getSimpleName() + ")";
  }

  private static String describe(JsonToken token) {
    if (token == null) return "nothing";
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.name();
    };
  }
}
