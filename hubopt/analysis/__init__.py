"""Analysis of a run's figures, computing only: appraisal of named options against weighted criteria (appraise),
access by deprivation decile (equity), re-optimisation of an earlier hub set (reoptimise) and comparison of two
written runs (compare). Functions here take plain arrays and frames, never a run result."""
