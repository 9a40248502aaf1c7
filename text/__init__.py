"""Text tools every layer uses: sentence spans, the biomedical tokenizer, the concept vocabulary.

The bottom of the data flow: nothing here imports `ingest`, `index` or `answer`.
"""
