"""Stage 3, the index on disk: ``layout`` owns the folder's file names, schema version and
manifest; ``build`` writes a version (incrementally, swapped in atomically); ``load`` reads one
(memory-mapped) for serving."""
