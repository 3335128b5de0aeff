"""Product search and catalog import: FAISS + bm25s product index, embeddings, query parsing.

Never imports Rasa, rasa-sdk or ``shopdesk.settings``; model names and paths are passed in.
Import the submodules directly (``retrieval.product_index``, ``retrieval.embeddings``); this
package module stays empty so importing it loads no model or index library.
"""
