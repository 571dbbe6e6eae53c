"""The learned router: per-model predictors of success and cost from a prompt's words.

Training (`train.py`) needs numpy and scikit-learn and is imported only by `orch eval` and
`orch router train`; a trained router (`model.py`) predicts in plain Python, so `-s learned`
adds no heavy import to `orch ask`.
"""
