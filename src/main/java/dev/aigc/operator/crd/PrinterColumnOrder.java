package dev.aigc.operator.crd;

import dev.aigc.operator.api.AigcTemplate;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A build step after fabric8's crd-generator, which sorts printer columns by JSONPath (so AGE, from
 * {@code .metadata.creationTimestamp}, came first in {@code kubectl get}) and has no attribute for
 * their order: this puts them back in the order the model declares its {@link AdditionalPrinterColumn}s,
 * the one home of that order. It rewrites only the order of the column entries, line for line, so
 * the drift check still compares the generator's own output.
 *
 * <p>Usage: {@code PrinterColumnOrder <directory of generated CRDs>}; a column in the file that the
 * class does not declare (or the reverse) fails the build.
 */
public final class PrinterColumnOrder {
  private static final Pattern KIND = Pattern.compile("^\\s+kind: \"(\\w+)\"$", Pattern.MULTILINE);
  private static final Pattern NAME = Pattern.compile("^\\s*(?:- )?name: \"(.*)\"$");

  private PrinterColumnOrder() {}

  public static void main(String[] args) throws IOException, ClassNotFoundException {
    if (args.length != 1) throw new IllegalArgumentException("usage: PrinterColumnOrder <directory of generated CRDs>");
    try (Stream<Path> files = Files.list(Path.of(args[0]))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList()) {
        String yaml = Files.readString(file, StandardCharsets.UTF_8);
        Matcher kind = KIND.matcher(yaml);
        if (!kind.find()) throw new IllegalStateException(file + ": no spec.names.kind");
        Class<?> model = Class.forName(AigcTemplate.class.getPackageName() + "." + kind.group(1));
        List<String> order = Arrays.stream(model.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name).toList();
        Files.writeString(file, reorder(yaml, order), StandardCharsets.UTF_8);
      }
    }
  }

  /** {@code yaml} with every {@code additionalPrinterColumns} list in the order of the column names in {@code order}. */
  static String reorder(String yaml, List<String> order) {
    List<String> lines = new ArrayList<>(Arrays.asList(yaml.split("\n", -1)));
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.strip().equals("- additionalPrinterColumns:") && !line.strip().equals("additionalPrinterColumns:")) continue;
      String entry = " ".repeat(line.indexOf("additionalPrinterColumns")) + "- ";
      String more = " ".repeat(entry.length());
      List<List<String>> columns = new ArrayList<>();
      List<String> current = null;
      int end = i + 1;
      for (; end < lines.size(); end++) {
        String l = lines.get(end);
        if (l.startsWith(entry)) {
          current = new ArrayList<>();
          columns.add(current);
        } else if (current == null || !l.startsWith(more)) {
          break;
        }
        current.add(l);
      }
      Map<String, List<String>> byName = new LinkedHashMap<>();
      for (List<String> column : columns) byName.put(nameOf(column), column);
      if (!new HashSet<>(order).equals(byName.keySet()) || order.size() != byName.size()) {
        throw new IllegalStateException("printer columns " + byName.keySet() + " differ from the model's " + order);
      }
      List<String> sorted = new ArrayList<>();
      for (String name : order) sorted.addAll(byName.get(name));
      for (int k = 0; k < sorted.size(); k++) lines.set(i + 1 + k, sorted.get(k));
      i = end - 1;
    }
    return String.join("\n", lines);
  }

  private static String nameOf(List<String> column) {
    for (String line : column) {
      Matcher name = NAME.matcher(line);
      if (name.matches()) return name.group(1);
    }
    throw new IllegalStateException("a printer column without a name: " + column);
  }
}
