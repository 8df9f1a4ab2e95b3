"""The simulation's initial perceptron (simulation.models.train_perceptron): the original's
scikit-learn SGD perceptron, rescaled to the contract's learning rate of 1."""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import SGDClassifier

from simulation.datasets import load
from simulation.models import SGD_SEED, train_perceptron


def test_rescaled_weights_predict_as_scikit_learn_and_step_by_the_next_update():
    data = load("breast-cancer", seed=0)
    x, y = data.x_train, data.y_train
    weights, bias = train_perceptron(x, y)
    model = SGDClassifier(loss="perceptron", learning_rate="optimal", penalty=None, tol=1e-3,
                          random_state=SGD_SEED).fit(x, y)
    assert np.array_equal((x @ weights + bias > 0).astype(int), model.predict(x))
    # The scale is 1 / (the next step): the step after t_ - 1 updates, 1 / (alpha (t0 + t_ - 1)).
    scale = weights[0] / model.coef_[0][0]
    t0 = 1 / (model.alpha ** 0.75)
    assert np.isclose(scale, model.alpha * (t0 + model.t_ - 1))
    assert scale > 1  # the next step is smaller than 1: one sample moves the model less than the first did


def test_one_class_starts_on_that_class():
    x = np.eye(3)
    for label, sign in ((0, -1), (1, 1)):
        weights, bias = train_perceptron(x, np.array([label] * 3))
        assert not weights.any() and bias == sign
    weights, bias = train_perceptron(x, np.array([1] * 3), fit_intercept=False)
    assert not weights.any() and bias == 0
