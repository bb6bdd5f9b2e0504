"""The file names of an export folder (and of a Hub model repo): every reader and writer imports them from here."""

CONFIG_NAME = "config.json"  # the model config, with the training summary and metrics as metadata
WEIGHTS_NAME = "model.safetensors"  # the generator's weights
ONNX_NAME = "model.onnx"  # the generator as ONNX, for the app's instant mode in the browser
SAMPLES_NAME = "samples.png"  # one row per class
METRICS_NAME = "metrics.json"  # written by `python -m cgan.evaluate`
CARD_NAME = "README.md"  # the Hub model card
EVALUATOR_WEIGHTS_NAME = "evaluator.safetensors"  # the evaluation network shipped beside the generator
EVALUATOR_INFO_NAME = "evaluator.json"  # its architecture, dataset, class names and test accuracy
AUTOENCODER_WEIGHTS_NAME = "autoencoder.safetensors"  # the label-free feature network (its bottleneck)
AUTOENCODER_INFO_NAME = "autoencoder.json"  # its architecture, dataset and reconstruction error
DISCRIMINATOR_NAME = "discriminator.safetensors"  # the run's discriminator, so that --init-from trains on with it
ENCODER_WEIGHTS_NAME = "encoder.safetensors"  # image + class -> z for this generator (python -m cgan.train_encoder)
ENCODER_INFO_NAME = "encoder.json"  # its shape and the digest of the generator weights it was trained for
ENCODER_ONNX_NAME = "encoder.onnx"  # the encoder as ONNX, for drawing in the app's instant mode

EXPORT_FILES = [CONFIG_NAME, WEIGHTS_NAME, ONNX_NAME, SAMPLES_NAME, CARD_NAME, METRICS_NAME,
                EVALUATOR_WEIGHTS_NAME, EVALUATOR_INFO_NAME, AUTOENCODER_WEIGHTS_NAME, AUTOENCODER_INFO_NAME, DISCRIMINATOR_NAME,
                ENCODER_WEIGHTS_NAME, ENCODER_INFO_NAME, ENCODER_ONNX_NAME]
