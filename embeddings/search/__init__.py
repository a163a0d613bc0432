"""Stage 4, search: a question becomes ranked passages. The ``searcher`` runs the pipeline
(spelling, focus on documents and dates, dense and lexical candidates, fusion, the no-answer
rule); its parts live beside it: ``results`` (what a search returns), ``params`` (the fitted
parameters and their calibration per index), ``fusion``, ``spelling``, ``focus``, ``retrieval``."""
