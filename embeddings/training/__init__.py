"""Beside serving, not under it: fine-tuning the model on labelled questions (``fit``), fitting
and cross-validating the search parameters (``tuning``, ``crossval``), the labelled rows and their
figures (``rows``, ``evaluate``), and preparing a model for serving in a child process
(``prepare``). Answering a question imports nothing from here (tests/test_layers.py)."""
