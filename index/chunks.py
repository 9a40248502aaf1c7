"""Chunks as the index knows them: their ids, the node built from a document's text and offsets, and the text
that is embedded and keyword-indexed.

Both layers need these: ingest builds chunks with them, and the index rebuilds each search hit's node from its
catalog (it stores offsets, never a chunk's text) and indexes the same text ingest embedded. So they live here,
in the lower layer, and `ingest.chunking` imports them.
"""

from __future__ import annotations

from llama_index.core.schema import MetadataMode, NodeRelationship, RelatedNodeInfo, TextNode


def chunk_id(doc_id: str, index: int) -> str:
    """Stable ids, so re-ingesting an unchanged document produces the same chunks."""
    return f"{doc_id}#{index}"


def doc_id_of(chunk_id_: str) -> str:
    """The inverse of `chunk_id` (document ids may themselves contain '#')."""
    return chunk_id_.rsplit("#", 1)[0]


def embedding_text(node: TextNode) -> str:
    """What is embedded and keyword-indexed: the chunk with its document title (llama-index EMBED mode)."""
    return node.get_content(metadata_mode=MetadataMode.EMBED)


def chunk_node(doc_id: str, title: str, source: str, text: str, start: int, end: int, index: int,
               section: str = "", page: int | None = None) -> TextNode:
    """The chunk `text[start:end]` of a document as a `TextNode`: built at ingest, and again from the index's
    catalog for each search hit (the index stores offsets, never the chunk's text)."""
    metadata = {"doc_id": doc_id, "title": title, "source": source, "section": section, "page": page,
                "chunk_index": index}
    node = TextNode(
        id_=chunk_id(doc_id, index),
        text=text[start:end],
        start_char_idx=start,
        end_char_idx=end,
        metadata={k: v for k, v in metadata.items() if v is not None},
        excluded_embed_metadata_keys=["doc_id", "source", "section", "page", "chunk_index"],
        excluded_llm_metadata_keys=["doc_id", "source", "chunk_index"],
    )
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_id)
    return node


__all__ = ["chunk_id", "chunk_node", "doc_id_of", "embedding_text"]
