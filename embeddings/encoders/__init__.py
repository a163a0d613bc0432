"""Stage 2, the encoders: text becomes vectors. The protocol every encoder meets and the model's
fingerprint (``base``), sentence-transformers on PyTorch (``pytorch``), the int8 ONNX export that
serves without torch (``onnx_int8``), multilingual-e5 for other languages (``multilingual``), and
the choice between them (``choice``)."""
