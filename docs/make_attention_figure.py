"""Reproduce docs/attention_evolution_basicmotions.png: python docs/make_attention_figure.py"""

import matplotlib

matplotlib.use("Agg")

from tsevo import EADCTransformerClassifier, load_uea  # noqa: E402
from tsevo.plotting import plot_attention_evolution  # noqa: E402

X, y, X_test, y_test = load_uea("BasicMotions")
clf = EADCTransformerClassifier(random_state=0).fit(X, y)
print("accuracy", clf.score(X_test, y_test))
case = list(y_test).index("running")
fig = plot_attention_evolution(
    clf, X_test[case], channel_names=["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"],
    title=f"BasicMotions test case {case} ('running'): attention of each layer, mean over 8 heads",
)
fig.savefig("docs/attention_evolution_basicmotions.png", dpi=100)
