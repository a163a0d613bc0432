"""Stage 1, the corpus: files in DATA_DIR become passages. Reading a document and its header
(``documents``), cleaning its text (``cleaning``), cutting it into passages and sentences
(``splitting``), the records that carry them (``records``), who speaks (``voices``), the dates a
question names (``dates``) and the treaties and their articles (``treaties``). No model here."""
