package dev.aigc.operator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import dev.aigc.operator.cli.InputDocuments.Document;
import dev.aigc.operator.cli.InputDocuments.InputException;
import dev.aigc.operator.config.OperatorSettings;
import dev.aigc.operator.render.FieldError;
import dev.aigc.operator.render.InstanceValidator;
import dev.aigc.operator.render.OfflineRender;
import dev.aigc.operator.render.TemplateValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    description = {
      "Print, as YAML, every object the operator would create for the given AigcTemplates and AigcInstances.",
      "Instances are given IDs as the operator would: an existing status.instanceId is kept, others follow",
      "creationTimestamp, then name. Exit status 2 names the file, object and field of invalid input."
    })
public class RenderCommand implements Callable<Integer> {
  static final String DEFAULT_AUTH_URL = "http://aigc-gateway.aigc-system.svc.cluster.local:8080/auth";
  static final String DEFAULT_SIGNIN_URL = "https://aigc.example.com/sign-in";

  @Option(names = {"-f", "--filename"}, required = true, arity = "1..*",
      description = "YAML files or directories (multi-document files allowed).")
  List<Path> files;

  @Mixin InstanceAuthOptions gateway;

  @Spec CommandSpec spec;

  private static final ObjectMapper YAML = new ObjectMapper(
      new YAMLFactory().enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).disable(YAMLGenerator.Feature.SPLIT_LINES))
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    List<Document> documents;
    try {
      documents = InputDocuments.read(InputDocuments.expand(files));
    } catch (InputException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    List<String> problems = new ArrayList<>();
    List<AigcTemplate> templates = new ArrayList<>();
    List<AigcInstance> instances = new ArrayList<>();
    List<dev.aigc.operator.api.AigcQuota> quotas = new ArrayList<>();
    for (Document document : documents) {
      List<FieldError> errors;
      if (document.resource() instanceof AigcTemplate template) {
        errors = TemplateValidator.validate(template);
        templates.add(template);
      } else if (document.resource() instanceof dev.aigc.operator.api.AigcQuota quota) {
        quotas.add(quota);
        continue;
      } else {
        AigcInstance instance = (AigcInstance) document.resource();
        errors = InstanceValidator.validate(instance);
        instances.add(instance);
      }
      errors.forEach(e -> problems.add(document.describe() + ": " + e));
    }
    for (Document document : documents) {
      if (document.resource() instanceof AigcInstance instance && instance.getSpec() != null
          && OfflineRender.templateOf(instance, templates) == null) {
        problems.add(document.describe() + ": spec.template: no AigcTemplate \"" + instance.getSpec().getTemplate()
            + "\" in namespace " + instance.getMetadata().getNamespace() + " among the input");
      }
    }
    if (!problems.isEmpty()) {
      problems.forEach(p -> err.println("error: " + p));
      return 2;
    }
    OperatorSettings settings;
    try {
      settings = new OperatorSettings(Set.of(),
          orDefault(gateway.authUrl, DEFAULT_AUTH_URL), orDefault(gateway.signInUrl, DEFAULT_SIGNIN_URL));
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    for (HasMetadata object : OfflineRender.render(templates, instances, quotas, settings)) {
      out.print(YAML.writeValueAsString(object));
    }
    out.flush();
    return 0;
  }

  private static String orDefault(String value, String fallback) {
    String v = InstanceAuthOptions.blankToNull(value);
    return v == null ? fallback : v;
  }
}
