package dev.aigc.operator.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aigc.operator.api.AigcInstance;
import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Reads AigcTemplate and AigcInstance documents from YAML files, naming file, object and field on error. */
final class InputDocuments {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  private static final String API_VERSION = AigcTemplate.GROUP + "/" + AigcTemplate.VERSION;

  /** One resource and the file it came from. */
  record Document(Path file, HasMetadata resource) {
    String describe() {
      return file + ": " + resource.getKind() + "/" + resource.getMetadata().getName();
    }
  }

  /** Bad input, with a message that names where. */
  static final class InputException extends Exception {
    InputException(String message) {
      super(message);
    }
  }

  private InputDocuments() {}

  /** The YAML files named, directories expanded to their *.yaml and *.yml files in name order. */
  static List<Path> expand(List<Path> paths) throws InputException {
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> children = Files.list(path)) {
          files.addAll(children
              .filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches(".*\\.ya?ml$"))
              .sorted()
              .collect(Collectors.toList()));
        } catch (IOException e) {
          throw new InputException(path + ": cannot list: " + e.getMessage());
        }
      } else if (Files.isRegularFile(path)) {
        files.add(path);
      } else {
        throw new InputException(path + ": no such file or directory");
      }
    }
    return files;
  }

  static List<Document> read(List<Path> files) throws InputException {
    List<Document> documents = new ArrayList<>();
    for (Path file : files) {
      List<JsonNode> nodes;
      try (var parser = YAML.getFactory().createParser(file.toFile())) {
        nodes = YAML.readValues(parser, JsonNode.class).readAll();
      } catch (IOException e) {
        throw new InputException(file + ": not valid YAML: " + firstLine(e.getMessage()));
      }
      int index = 0;
      for (JsonNode node : nodes) {
        index++;
        if (node == null || node.isNull() || node.isMissingNode()) continue;
        documents.add(new Document(file, toResource(file, index, node)));
      }
    }
    return documents;
  }

  private static HasMetadata toResource(Path file, int index, JsonNode node) throws InputException {
    String kind = node.path("kind").asText("");
    String name = node.path("metadata").path("name").asText("(document " + index + ")");
    String where = file + ": " + (kind.isEmpty() ? "document " + index : kind + "/" + name);
    if (!API_VERSION.equals(node.path("apiVersion").asText())) {
      throw new InputException(where + ": apiVersion: must be " + API_VERSION + ", got \"" + node.path("apiVersion").asText() + "\"");
    }
    Class<? extends HasMetadata> type = switch (kind) {
      case "AigcTemplate" -> AigcTemplate.class;
      case "AigcInstance" -> AigcInstance.class;
      case "AigcQuota" -> dev.aigc.operator.api.AigcQuota.class;
      default -> throw new InputException(where + ": kind: must be AigcTemplate, AigcInstance or AigcQuota");
    };
    try {
      HasMetadata resource = YAML.treeToValue(node, type);
      if (resource.getMetadata() == null || resource.getMetadata().getName() == null) {
        throw new InputException(where + ": metadata.name: is required");
      }
      if (resource.getMetadata().getNamespace() == null) resource.getMetadata().setNamespace("default");
      return resource;
    } catch (JsonMappingException e) {
      throw new InputException(where + ": " + fieldOf(e) + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new InputException(where + ": " + firstLine(e.getMessage()));
    }
  }

  /** The JSON path of the field Jackson choked on, e.g. spec.dedicated.dataRetention. */
  private static String fieldOf(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (path.length() > 0) path.append('.');
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "(document)" : path.toString();
  }

  private static String firstLine(String message) {
    if (message == null) return "";
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
