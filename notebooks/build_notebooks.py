"""Write the notebooks from their cells (outputs are produced by running them).

    python notebooks/build_notebooks.py

CI executes every notebook with nbmake (pytest --nbmake notebooks); committed
notebooks carry no outputs, so none can go stale.
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

QUICKSTART = [
    ("md", "# tsevo quickstart\n\nTrain the EA-DC-Transformer on a UEA problem, predict, and save the model."),
    ("code", "import os, tempfile\nos.environ.setdefault('AEON_DATA', tempfile.mkdtemp())\n"
             "from tsevo import EADCTransformerClassifier, load_uea\n\n"
             "X_train, y_train, X_test, y_test = load_uea('BasicMotions')  # ships with aeon\n"
             "X_train.shape, X_test.shape"),
    ("md", "Early stopping holds out a stratified 20% of TRAIN and restores the best weights."),
    ("code", "clf = EADCTransformerClassifier(early_stopping=True, validation_fraction=0.2, max_epochs=40,\n"
             "                                 d_model=32, n_heads=4, random_state=0)\nclf.fit(X_train, y_train)\n"
             "print(f'accuracy {clf.score(X_test, y_test):.3f} after {clf.n_iter_} epochs "
             "(best epoch {clf.best_epoch_})')"),
    ("code", "import pandas as pd\npd.DataFrame(clf.history_).tail()"),
    ("code", "from tsevo.plotting import plot_history\nplot_history(clf);"),
    ("md", "Unequal lengths: JapaneseVowels arrives as a list of `(channels, length)` arrays."),
    ("code", "Xj, yj, Xj_test, yj_test = load_uea('JapaneseVowels')\n"
             "print(type(Xj).__name__, len(Xj), {x.shape[1] for x in Xj[:20]})\n"
             "jv = EADCTransformerClassifier(max_epochs=10, d_model=32, n_heads=4, random_state=0).fit(Xj, yj)\n"
             "print(f'accuracy {jv.score(Xj_test, yj_test):.3f}')"),
    ("code", "path = os.path.join(tempfile.mkdtemp(), 'basic_motions.pt')\nclf.save(path)\n"
             "restored = EADCTransformerClassifier.load(path)\n"
             "(restored.predict(X_test) == clf.predict(X_test)).all()"),
]

ECOSYSTEMS = [
    ("md", "# One model, three ecosystems\n\nThe same EA-DC-Transformer as a scikit-learn estimator, an aeon "
           "classifier and an sktime classifier. Use the scikit-learn core inside scikit-learn's tools, and each "
           "face inside its own ecosystem's tools (sktime 1.2 objects fail inside scikit-learn 1.9's "
           "meta-estimators)."),
    ("code", "import os, tempfile\nos.environ.setdefault('AEON_DATA', tempfile.mkdtemp())\n"
             "from tsevo import load_uea\nX, y, X_test, y_test = load_uea('BasicMotions')\n"
             "small = dict(max_epochs=15, d_model=16, n_heads=2, n_blocks=2, random_state=0)"),
    ("md", "## scikit-learn: pipelines and cross-validation"),
    ("code", "from sklearn.model_selection import StratifiedKFold, cross_val_score\n"
             "from tsevo import EADCTransformerClassifier\n"
             "scores = cross_val_score(EADCTransformerClassifier(**small), X, y, cv=StratifiedKFold(3))\n"
             "scores.round(3)"),
    ("md", "## aeon: pipelines with aeon transformers"),
    ("code", "from aeon.pipeline import make_pipeline\nfrom aeon.transformations.collection import Normalizer\n"
             "import tsevo.aeon\n"
             "pipe = make_pipeline(Normalizer(), tsevo.aeon.EADCTransformerClassifier(**small))\n"
             "pipe.fit(X, y).score(X_test, y_test)"),
    ("md", "## sktime: evaluate and ClassifierPipeline"),
    ("code", "from sklearn.model_selection import KFold\n"
             "from sktime.classification.model_evaluation import evaluate\nimport tsevo.sktime\n"
             "results = evaluate(tsevo.sktime.EADCTransformerClassifier(**small), X=X, y=y,\n"
             "                   cv=KFold(3, shuffle=True, random_state=0))\n"
             "results.filter(like='test_')"),
]

ATTENTION = [
    ("md", "# How attention evolves through the layers\n\nEach attention layer mixes the previous layer's map "
           "into its own and refines it with a 3x3 convolution over the maps. `attention_maps` returns every "
           "layer's maps; `plot_attention_evolution` draws them beside the series."),
    ("code", "import os, tempfile\nos.environ.setdefault('AEON_DATA', tempfile.mkdtemp())\n"
             "from tsevo import EADCTransformerClassifier, load_uea\n"
             "from tsevo.plotting import plot_attention_evolution\n"
             "X, y, X_test, y_test = load_uea('BasicMotions')\n"
             "clf = EADCTransformerClassifier(max_epochs=40, d_model=32, n_heads=4, random_state=0).fit(X, y)\n"
             "clf.score(X_test, y_test)"),
    ("code", "maps = clf.attention_maps(X_test[:4])\n[m.shape for m in maps]  # per layer: (cases, heads, T, T)"),
    ("code", "case = list(y_test).index('running')\n"
             "plot_attention_evolution(clf, X_test[case], channel_names=['acc x', 'acc y', 'acc z', "
             "'gyro x', 'gyro y', 'gyro z'],\n                         title='BasicMotions, a running case');"),
    ("md", "The pre-softmax maps handed from layer to layer:"),
    ("code", "plot_attention_evolution(clf, X_test[case], kind='logits', head=0);"),
]

REGRESSION = [
    ("md", "# Regression: a numeric target per series\n\n`EADCTransformerRegressor` trains the same "
           "EA-DC-Transformer with a linear output per target (time-series extrinsic regression, the other "
           "half of the authors' system). Targets are standardised inside `fit`; `score` is R²."),
    ("code", "import os\nimport tempfile\n\nimport numpy as np\nimport pandas as pd\n\n"
             "import tsevo.aeon\nfrom tsevo import EADCTransformerRegressor, load_tser\n\n"
             "os.environ.setdefault('AEON_DATA', tempfile.mkdtemp())\n"
             "X_train, y_train, X_test, y_test = load_tser('Covid3Month')  # ships with aeon\n"
             "X_train.shape, y_train[:5]"),
    ("code", "reg = EADCTransformerRegressor(max_epochs=30, d_model=32, n_heads=4, early_stopping=True,\n"
             "                               random_state=0).fit(X_train, y_train)\n"
             "rmse = np.sqrt(np.mean((reg.predict(X_test) - y_test) ** 2))\n"
             "rmse, reg.score(X_test, y_test)"),
    ("md", "With early stopping, `history_` records the validation RMSE in the target's units:"),
    ("code", "pd.DataFrame(reg.history_)[['epoch', 'train_loss', 'valid_rmse']].tail()"),
    ("md", "The same regressor as an aeon or sktime estimator, for their pipelines and evaluation:"),
    ("code", "aeon_reg = tsevo.aeon.EADCTransformerRegressor(max_epochs=5, d_model=16, n_heads=2, random_state=0)\n"
             "aeon_reg.fit(X_train, y_train).predict(X_test[:3])"),
]


def write(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbf.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in cells]
    nbf.write(nb, HERE / name)


if __name__ == "__main__":
    import sys

    notebooks = {"01_quickstart.ipynb": QUICKSTART, "02_ecosystems.ipynb": ECOSYSTEMS,
                 "03_attention_evolution.ipynb": ATTENTION, "04_regression.ipynb": REGRESSION}
    for name in sys.argv[1:] or notebooks:  # names given: write only those
        write(name, notebooks[name])
