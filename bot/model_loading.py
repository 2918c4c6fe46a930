"""Rasa's neural models (DIET, TED) loaded for prediction without a training step.

To give a saved model's weights their shapes, Rasa's `RasaModel.load` compiles the model with an Adam optimizer and
runs `fit` for one step on one example, then reads the weights over what that step made. The traced training
function, its gradients and the optimizer stay in the process for as long as it serves, though a server never
trains: on the tutor's model, loading DIET took 243 MB and TED 233 MB that way, 84 MB and 62 MB this way
(docs/evaluation.md, "Memory of the embedded stack").

`install()` replaces that step, for models loaded to predict, by one forward pass of the same loss on the same
example (which creates every weight the training step would, and no optimizer), then reads the weights and checks
that every weight of the model was in the saved file. The weights are the saved ones either way, so predictions
are the same (checked on every NLU training example: same intents, same confidences to the bit). Should the check
fail, or anything in the forward pass, the model is loaded Rasa's way instead. Fine-tuning keeps Rasa's way.

It is installed when the Rasa server imports the project's NLU components (bot/nlu), before the models load; it
does nothing where Rasa is not installed.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_MARK = "_tutor_loads_without_training"


def install() -> bool:
    """Make Rasa load its neural models for prediction without a training step; True when installed."""
    try:
        from rasa.utils.tensorflow.models import RasaModel
    except ImportError:
        return False
    if getattr(RasaModel.load, _MARK, False):
        return True
    rasa_load = RasaModel.load.__func__

    def load(cls: type, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if not finetune_mode:
            try:
                return _load_for_prediction(cls, model_file_name, model_data_example, predict_data_example,
                                            *args, **kwargs)
            except Exception as exc:  # an unusual model: Rasa's own way always works
                log.warning("%s: loading without a training step failed (%s); loading Rasa's way", cls.__name__, exc)
        return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                         *args, **kwargs)

    setattr(load, _MARK, True)
    RasaModel.load = classmethod(load)
    log.debug("Rasa's models load for prediction without a training step")
    return True


def _load_for_prediction(cls: type, model_file_name: str, model_data_example: Any, predict_data_example: Any,
                         *args: Any, **kwargs: Any) -> Any:
    """What `RasaModel.load` does, with the training step replaced by the forward pass of its loss."""
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    model = cls(*args, **kwargs)
    batch, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True  # the loss as the training step computes it, so every weight it uses is made
    model.batch_loss(batch)
    model._training = None
    model.load_weights(model_file_name).expect_partial().assert_existing_objects_matched()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces the prediction function now, as Rasa does
    return model
