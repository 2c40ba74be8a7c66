package dev.lakeml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lakeml.LakemlException;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** simulate's options: months or days, window lengths, label lags; bad values are usage errors. */
class SimulateOptionsTest {
  @Test
  void monthsAndDays() {
    LocalDate dflt = LocalDate.parse("2001-03-01");
    assertEquals(LocalDate.parse("2001-02-01"), SimulateCommand.day("2001-02", dflt, false));
    assertEquals(LocalDate.parse("2001-07-01"), SimulateCommand.day("2001-06", dflt, true), "--to a month: up to its end");
    assertEquals(LocalDate.parse("2001-06-16"), SimulateCommand.day("2001-06-15", dflt, true), "--to a day: inclusive");
    assertEquals(dflt, SimulateCommand.day(null, dflt, false));
    LakemlException e = assertThrows(LakemlException.class, () -> SimulateCommand.day("June", dflt, true));
    assertTrue(e.getMessage().startsWith("Cannot use --to 'June'"), e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void windowsAndLags() {
    LocalDate d = LocalDate.parse("2001-01-31");
    assertEquals(LocalDate.parse("2001-02-28"), SimulateCommand.step("month").apply(d));
    assertEquals(LocalDate.parse("2001-02-07"), SimulateCommand.step("week").apply(d));
    assertEquals(LocalDate.parse("2001-02-10"), SimulateCommand.step("10d").apply(d));
    assertTrue(assertThrows(LakemlException.class, () -> SimulateCommand.step("0d")).getMessage().contains("--window '0d'"));
    assertTrue(assertThrows(LakemlException.class, () -> SimulateCommand.step("fortnight")).getMessage().contains("month, week, or a number of days"));
    assertEquals(14, SimulateCommand.lagDays("14d"));
    assertEquals(14, SimulateCommand.lagDays("14 days"));
    assertEquals(14, SimulateCommand.lagDays("2w"));
    assertEquals(0, SimulateCommand.lagDays("0d"));
    LakemlException e = assertThrows(LakemlException.class, () -> SimulateCommand.lagDays("14h"));
    assertTrue(e.getMessage().contains("--label-lag '14h'"), e.getMessage());
  }
}
