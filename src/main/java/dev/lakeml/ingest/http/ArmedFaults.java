package dev.lakeml.ingest.http;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/** A {@link FaultPlan} installed on a server: its request count and each rule's uses left. */
final class ArmedFaults {
  private final List<FaultPlan.Rule> rules;
  private final int[] usesLeft;
  private int requests;

  ArmedFaults(FaultPlan plan) {
    this.rules = plan.rules();
    this.usesLeft = rules.stream().mapToInt(FaultPlan.Rule::times).toArray();
  }

  /** Counts one request and returns the fault it gets, using up one use of that rule. */
  synchronized Optional<Fault> next(LocalDate date, int page) {
    requests++;
    for (int i = 0; i < rules.size(); i++) {
      if (usesLeft[i] > 0 && rules.get(i).matches(requests, date, page)) {
        usesLeft[i]--;
        return Optional.of(rules.get(i).fault());
      }
    }
    return Optional.empty();
  }
}
