package dev.rlhf4j.data.split;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * @param records records written per split name
 * @param groups groups per split name
 * @param files the file written per split name ({@code DIR/NAME.jsonl})
 * @param splitGroups groups whose records already carried different splits (kept together, in the
 *     split most of their records had; only with keepExisting)
 */
public record SplitSummary(Map<String, Long> records, Map<String, Long> groups, Map<String, Path> files,
        long splitGroups) {

    public SplitSummary {
        records = Map.copyOf(records);
        groups = Map.copyOf(groups);
        files = Map.copyOf(files);
    }

    public String report() {
        long total = records.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder sb = new StringBuilder();
        records.keySet().stream().sorted().forEach(name -> sb.append(String.format(Locale.ROOT,
                "%-8s %8d records (%5.1f %%) %7d groups  %s%n", name, records.get(name),
                total == 0 ? 0 : 100.0 * records.get(name) / total, groups.getOrDefault(name, 0L), files.get(name))));
        if (splitGroups > 0) {
            sb.append(splitGroups).append(" groups had records in several existing splits; each was kept whole")
                    .append(System.lineSeparator());
        }
        return sb.toString();
    }
}
