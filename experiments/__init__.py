"""Quality experiments behind the design table of docs/results.md, each run from the repository's root with
`python -m experiments.NAME`: ablation (train design variants on one budget and evaluate them) and detector_power
(the two-sample detector's floor and power)."""
