"""Discord layer over the statement search engine (embeddings/)."""
