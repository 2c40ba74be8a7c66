package dev.lakeml.ml;

/**
 * Which versions of a model carry the aliases after an event in {@code ops.model_aliases}; a null
 * version means the alias is unset. {@code previousChampion} is what {@code rollback} restores.
 */
public record AliasState(String model, long seq, Integer champion, Integer challenger, Integer previousChampion, String action) {
  public static AliasState none(String model) {
    return new AliasState(model, 0, null, null, null, "none");
  }
}
