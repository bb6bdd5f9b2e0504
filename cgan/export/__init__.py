"""A generator on disk and on the Hub: file names, export folders, model.onnx, the model card, Hub transfers.

`from cgan.export import load_generator` is the public way to load a generator (folder or Hub repo).
"""
from cgan.export.folder import WeightsError, load_export, read_config, save_export
from cgan.export.load import load_generator

__all__ = ["WeightsError", "load_export", "load_generator", "read_config", "save_export"]
