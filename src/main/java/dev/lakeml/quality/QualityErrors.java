package dev.lakeml.quality;

import dev.lakeml.LakemlException;
import dev.lakeml.delta.TableId;
import java.util.List;

/** The user-facing errors of the quality stage: what broke, what was (not) committed, where to look. */
final class QualityErrors {
  private QualityErrors() {}

  static LakemlException blocked(TableId table, List<CheckOutcome> outcomes, String whatReadersSee) {
    StringBuilder details = new StringBuilder();
    for (CheckOutcome o : outcomes) {
      if (o.blocking()) {
        details.append("\n  - ").append(o.check()).append(": ").append(o.message());
      }
    }
    return new LakemlException(
        "Cannot commit "
            + table
            + ": expectations with action 'fail' were broken, so nothing was committed. "
            + whatReadersSee
            + details
            + "\nSee ops.quality_results for every expectation of this run; fix the data or the spec and rerun.");
  }
}
