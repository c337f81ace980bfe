"""Built-in text embedders and the content embedding job.

``minilm`` (all-MiniLM-L6-v2, 384 dimensions) runs offline on onnxruntime without PyTorch;
it registers through the ``learnwire`` entry-point group like any third-party embedder, so an
organisation can install a hosted-API embedder and select it with ``LEARNWIRE_EMBEDDER``.
"""
