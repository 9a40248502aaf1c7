"""The reader's network in torch: a BERT encoder and three small heads. Imported only where torch is wanted
(training, the torch backend, the one-time OpenVINO export), so a query on OpenVINO never imports torch.

- relevance: one logit, "this unit states the answer to the question", from the mean of the last layer;
- verdict: three logits (yes, no, maybe), "what this unit says to a yes/no question", same pooling;
- span: a start and an end logit per token, "the answer inside the unit" (SQuAD-style).

Mean pooling because the encoder starts from all-MiniLM-L6-v2, a sentence embedder trained on mean-pooled
vectors: the pooled vector already means something before any training.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoConfig, AutoModel

from answer.reader import READER_FORMAT, VERDICTS


class ReaderNet(nn.Module):
    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.relevance = nn.Linear(hidden, 1)
        self.verdict = nn.Linear(hidden, len(VERDICTS))
        self.span = nn.Linear(hidden, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        ends = self.span(hidden)
        return self.relevance(pooled).squeeze(-1), self.verdict(pooled), ends[..., 0], ends[..., 1]

    @classmethod
    def from_encoder(cls, folder: Path) -> ReaderNet:
        """A fresh reader on a pretrained encoder (training starts here)."""
        return cls(AutoModel.from_pretrained(str(folder), add_pooling_layer=False))

    @classmethod
    def load(cls, folder: Path) -> ReaderNet:
        """A trained reader from its folder (weights stored in fp16, computed in fp32)."""
        net = cls(AutoModel.from_config(AutoConfig.from_pretrained(str(folder)), add_pooling_layer=False))
        state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
        net.load_state_dict(state)
        return net.eval()

    def save(self, folder: Path, card: dict[str, object]) -> None:
        """Weights in fp16 (half the size; the runtime computes in fp32, bf16 or int8 anyway), the encoder's
        config, and `reader.json` naming the format and what the training measured."""
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(folder / "model.safetensors"))
        self.encoder.config.save_pretrained(str(folder))
        (folder / "reader.json").write_text(json.dumps({"format": READER_FORMAT, **card}, indent=2) + "\n")
