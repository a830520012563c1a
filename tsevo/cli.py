"""Command line: ``tsevo evaluate``, ``fit``, ``predict``, ``plot-attention``, ``benchmark``, ``report``.

Classification or regression follows from the data (regression files carry
numeric targets) or from the saved model.

Built on click (a well-kept CLI library) for help texts, option parsing and
short error messages.
"""

from __future__ import annotations

import json
import shlex
import sys
import time

import click


def _parse_params(pairs: tuple[str, ...]) -> dict:
    """``("d_model=64", "causal=true")`` -> ``{"d_model": 64, "causal": True}``."""
    params = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--param")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def _is_regression(y) -> bool:
    """Regression files (``@targetLabel true``) come back with float targets."""
    import numpy as np

    return np.asarray(y).dtype.kind == "f"


def _make_estimator(params: dict, seed: int, verbose: int, regression: bool):
    from tsevo import EADCTransformerClassifier, EADCTransformerRegressor

    cls = EADCTransformerRegressor if regression else EADCTransformerClassifier
    try:
        return cls(random_state=seed, verbose=verbose, **params)
    except TypeError as err:
        raise click.BadParameter(str(err), param_hint="--param") from None


def _load_model(path: str):
    """The classifier or regressor saved in ``path``."""
    from pathlib import Path

    from tsevo import EADCTransformerClassifier, EADCTransformerRegressor
    from tsevo.estimators._persistence import _read_payload

    try:
        saved = _read_payload(Path(path)).get("class")
        cls = EADCTransformerRegressor if saved == EADCTransformerRegressor.__name__ else EADCTransformerClassifier
        return cls.load(path)
    except (FileNotFoundError, ValueError) as err:
        raise click.ClickException(str(err)) from None


def _score_text(estimator, X, y) -> str:
    """Accuracy for a classifier; RMSE and R2 for a regressor."""
    import numpy as np

    predictions = _checked(estimator.predict, X)
    if _is_regression(y) and hasattr(estimator, "target_mean_"):
        rmse = float(np.sqrt(np.mean((predictions - y) ** 2)))
        r2 = 1 - ((y - predictions) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        return f"rmse {rmse:.4g} | r2 {r2:.4f}"
    return f"accuracy {(predictions == y).mean():.4f}"


def _load(dataset: str, split: str, data_dir: str | None):
    from tsevo.datasets import load_ts, load_uea

    try:
        if dataset.endswith(".ts"):
            return load_ts(dataset)
        return load_uea(dataset, split=split, data_dir=data_dir)  # float targets for regression files
    except (FileNotFoundError, ConnectionError, ValueError) as err:  # missing, unreachable or corrupt
        raise click.ClickException(str(err)) from None


dataset_option = click.option(
    "--dataset", "-d", required=True,
    help="UEA/UCR/TSER problem name (looked up in --data-dir, $TSEVO_DATA, the user cache and aeon's "
    "shipped problems, then downloaded once) or a path to a .ts file.",
)
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Folder with NAME/NAME_TRAIN.ts and NAME/NAME_TEST.ts.",
)
params_option = click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
    help="Estimator parameter, repeatable (values parsed as JSON: 64, 0.1, true).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tsevo")
def main() -> None:
    """tsevo: time-series classification and regression with the EA-DC-Transformer."""


def training_options(command):
    """The options every training command shares: data, parameters, seed, verbosity."""
    for option in reversed([
        dataset_option, data_dir_option, params_option,
        click.option("--seed", default=0, show_default=True, help="random_state of the estimator."),
        click.option("--verbose", "-v", count=True, help="Show a progress bar."),
    ]):
        command = option(command)
    return command


@main.command()
@training_options
@click.option("--save", type=click.Path(dir_okay=False), default=None, help="Save the model here.")
def evaluate(dataset, data_dir, params, seed, verbose, save) -> None:
    """Train on the TRAIN split and report accuracy (or RMSE and R2) on the TEST split."""
    X_train, y_train = _load(dataset, "train", data_dir)
    X_test, y_test = _load(dataset, "test", data_dir)
    clf = _make_estimator(_parse_params(params), seed, verbose, _is_regression(y_train))
    start = time.perf_counter()
    _fit(clf, X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    score = _score_text(clf, X_test, y_test)
    predict_seconds = time.perf_counter() - start
    click.echo(
        f"{dataset}: {score} | fit {fit_seconds:.1f} s ({clf.n_iter_} epochs) "
        f"| predict {predict_seconds:.2f} s | train {len(y_train)} / test {len(y_test)} cases"
    )
    if save:
        clf.save(save)
        click.echo(f"model saved to {save}")


@main.command()
@training_options
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True,
              help="File to save the fitted model to.")
def fit(dataset, data_dir, params, seed, verbose, output) -> None:
    """Train on a dataset's TRAIN split (or a .ts file) and save the model."""
    X, y = _load(dataset, "train", data_dir)
    clf = _make_estimator(_parse_params(params), seed, verbose, _is_regression(y))
    _fit(clf, X, y)
    clf.save(output)
    click.echo(f"trained {clf.n_iter_} epochs on {len(y)} cases; model saved to {output}")


@main.command()
@click.option("--model", "-m", type=click.Path(dir_okay=False), required=True,
              help="A model file written by `tsevo fit`.")
@dataset_option
@data_dir_option
@click.option("--split", type=click.Choice(["train", "test"]), default="test", show_default=True)
def predict(model, dataset, data_dir, split) -> None:
    """Print one prediction per case; the accuracy (or RMSE and R2) goes to stderr."""
    clf = _load_model(model)
    X, y = _load(dataset, split, data_dir)
    predictions = _checked(clf.predict, X)
    click.echo("\n".join(str(p) for p in predictions))
    click.echo(_score_text(clf, X, y), err=True)


@main.command("plot-attention")
@click.option("--model", "-m", type=click.Path(dir_okay=False), required=True,
              help="A model file written by `tsevo fit`.")
@dataset_option
@data_dir_option
@click.option("--split", type=click.Choice(["train", "test"]), default="test", show_default=True)
@click.option("--case", "case_index", default=0, show_default=True, help="Which case of the split to show.")
@click.option("--head", default="mean", show_default=True, help="'mean' or a head number.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True, help="Image file (.png, .pdf, .svg).")
def plot_attention(model, dataset, data_dir, split, case_index, head, output) -> None:
    """Draw one series above the attention map of every layer."""
    import matplotlib

    matplotlib.use("Agg")
    from tsevo.plotting import plot_attention_evolution

    clf = _load_model(model)
    X, y = _load(dataset, split, data_dir)
    if not 0 <= case_index < len(y):
        raise click.BadParameter(f"{case_index} is not in [0, {len(y)})", param_hint="--case")
    head_value = head if head == "mean" else _parse_params((f"head={head}",))["head"]
    fig = _checked(plot_attention_evolution, clf, X[case_index], head_value, "probs", None,
                   f"{dataset} case {case_index} (label {y[case_index]!r})")
    fig.savefig(output, dpi=120)
    click.echo(f"figure written to {output}")


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder with NAME/NAME_TRAIN.ts and NAME/NAME_TEST.ts.")
@click.option("--archive", type=click.Choice(["uea", "ucr", "tser"]), default=None,
              help="Take the problems from an archive's list (aeon's); TSER is regression. "
                   "Problems no folder has are downloaded into the cache once.")
@click.option("--datasets", default=None,
              help="Comma-separated problem names; with --archive also all, equal or unequal (default all).")
@click.option("--estimators", default="eadc,minirocket,multirockethydra", show_default=True,
              help="Comma-separated estimator names.")
@click.option("--resamples", default=1, show_default=True, type=click.IntRange(1),
              help="Resamples per dataset; 0 is the official split.")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--n-jobs", default=1, show_default=True, help="Cells run in parallel (joblib).")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")
@click.option("--published", type=click.Path(dir_okay=False, exists=True), default=None,
              help="CSV of published results (dataset, estimator, accuracy, source) to show beside ours.")
@click.option("--published-from-aeon", default=None, metavar="NAMES",
              help="Comma-separated estimators (e.g. HC2,InceptionTime) whose published results are fetched "
                   "through aeon; without a network, --published is used instead.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Parameter of tsevo's estimators (eadc, eadc-ensemble, ...), set on those that take it "
                   "(n_jobs: the ensembles'), repeatable; peers keep theirs.")
@click.option("--task", type=click.Choice(["classification", "regression"]), default=None,
              help="Regression reads TSER problems and scores RMSE, MAE and R2 "
                   "[default: the archive's task, else classification].")
@click.option("--pairs", default=None, metavar="A:B,...",
              help="Estimators to compare two by two in results.md: wins, ties, losses, Wilcoxon p and a scatter "
                   "plot each.")
def benchmark(data_dir, archive, datasets, estimators, resamples, output, n_jobs, scheduler, published,
              published_from_aeon, params, task, pairs) -> None:
    """Run estimators over UEA/UCR/TSER problems; resumable; writes results.csv, results.md
    and tsml-eval's per-case files under OUTPUT/tsml."""
    from tsevo.benchmark import run_benchmark
    from tsevo.benchmark._estimators import check_estimator_names, check_params
    from tsevo.benchmark._report import check_pairs

    problems, task = _problems(archive, datasets, task)

    names = [e.strip() for e in estimators.split(",") if e.strip()]
    try:
        check_estimator_names(names, task)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--estimators") from None
    parameters = _parse_params(params)
    try:
        check_params(names, parameters, task)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--param") from None
    compared = _parse_pairs(pairs)
    try:
        check_pairs(compared, names)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--pairs") from None
    command = _command_line("benchmark", [], {
        "--data-dir": data_dir, "--archive": archive, "--datasets": datasets, "--estimators": estimators,
        "--resamples": resamples, "--n-jobs": n_jobs, "--scheduler": scheduler, "--published": published,
        "--published-from-aeon": published_from_aeon, "--task": task, "--pairs": pairs, "-p": params,
        "--output": output,
    })
    results = run_benchmark(
        problems, names, output, resamples=resamples,
        data_dir=data_dir, n_jobs=n_jobs, scheduler=scheduler, published=published, command=command,
        params=parameters, task=task, pairs=compared,
        published_from_aeon=[n.strip() for n in published_from_aeon.split(",")] if published_from_aeon else None,
    )
    ok = results[results["error"] == ""]
    metric = "accuracy" if task == "classification" else "rmse"
    for name, score in ok.groupby("estimator")[metric].mean().items():
        click.echo(f"{name}: mean {metric} {score:.4f} over {ok[ok.estimator == name].shape[0]} cells")
    click.echo(f"results in {output}/results.csv and {output}/results.md")


def _resample_numbers(text: str) -> list[int]:
    """``"0,2"`` as ``[0, 2]``; a ``BadParameter`` naming what is not a whole number of 0 or more."""
    try:
        numbers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        numbers = [-1]
    if not numbers or min(numbers) < 0:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of resamples (0, 1, ...)",
                                 param_hint="--resamples")
    return numbers


@main.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--datasets", default=None, help="Comma-separated problems to keep (default: all in the sources).")
@click.option("--resamples", default=None, metavar="K,...",
              help="Comma-separated resamples to keep, e.g. 0 (the archive's split) to set beside published "
                   "figures of that split (default: all in the sources).")
@click.option("--published", type=click.Path(dir_okay=False, exists=True), default=None,
              help="CSV of published results (dataset, estimator, accuracy, source) to show beside ours.")
@click.option("--task", type=click.Choice(["classification", "regression"]), default=None,
              help="[default: regression where the sources score no accuracy]")
@click.option("--pairs", default=None, metavar="A:B,...",
              help="Estimators to compare two by two: wins, ties, losses, Wilcoxon p and a scatter plot each.")
def report(sources, output, datasets, resamples, published, task, pairs) -> None:
    """Merge the results of several `tsevo benchmark` runs into one results.csv, results.md and cd.png.

    Each SOURCE is a results.csv or a folder holding one, optionally followed by
    #NAMES: the estimators to take from it, comma-separated, each NAME or OLD=NEW
    to rename (e.g. `runs/a#eadc=eadc-v1,minirocket`). Where two sources hold
    the same (dataset, estimator, resample) cell, the later source's row is kept.
    """
    from pathlib import Path

    from tsevo.benchmark._report import combine_results, load_results, results_csv, select_estimators, write_report

    parsed = [_source(text) for text in sources]
    out = Path(output)
    if any(results_csv(path).resolve() == (out / "results.csv").resolve() for path, _ in parsed):
        raise click.BadParameter(f"{output} holds the results.csv of a source, which the report would overwrite; "
                                 "write it elsewhere", param_hint="--output")
    try:
        parts = [select_estimators(load_results(path), keep) for path, keep in parsed]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="SOURCE") from None
    results, replaced = combine_results(parts)
    if datasets:
        results = results[results["dataset"].isin([d.strip() for d in datasets.split(",") if d.strip()])]
    if resamples:
        results = results[results["resample"].isin(_resample_numbers(resamples))]
    if results.empty:
        raise click.ClickException("no results left to report")
    scored = "accuracy" in results and results["accuracy"].notna().any()
    task = task or ("classification" if scored else "regression")
    out.mkdir(parents=True, exist_ok=True)
    command = _command_line("report", sources, {"--datasets": datasets, "--resamples": resamples,
                                                 "--published": published, "--task": task, "--pairs": pairs,
                                                 "-o": output})
    try:
        write_report(results, out, published=published, command=command, task=task, pairs=_parse_pairs(pairs))
    except ValueError as err:  # a published table without the columns it needs, an unknown pair
        raise click.ClickException(str(err)) from None
    results.to_csv(out / "results.csv", index=False)
    if replaced:
        click.echo(f"{replaced} cells were in more than one source; the later source's rows are kept")
    click.echo(f"{len(results)} rows of {results['estimator'].nunique()} estimators on "
               f"{results['dataset'].nunique()} problems: {out}/results.csv and {out}/results.md")


def _command_line(command: str, arguments, options: dict) -> str:
    """The shell line that runs ``tsevo COMMAND`` with these arguments and options (those set;
    a repeatable option once per value), rebuilt from the parsed values: ``sys.argv`` is the
    caller's, not the command's, when the command runs inside another program."""
    words = ["tsevo", command, *map(shlex.quote, arguments)]
    for flag, value in options.items():
        for one in value if isinstance(value, tuple | list) else [value]:
            if one is not None and one != "":
                words += [flag, shlex.quote(str(one))]
    return " ".join(words)


def _parse_pairs(text: str | None) -> list[tuple[str, str]] | None:
    """``"eadc:minirocket,a:b"`` -> ``[("eadc", "minirocket"), ("a", "b")]``."""
    if not text:
        return None
    pairs = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        first, sep, second = item.partition(":")
        if not sep or not first.strip() or not second.strip():
            raise click.BadParameter(f"expected FIRST:SECOND, got {item!r}", param_hint="--pairs")
        pairs.append((first.strip(), second.strip()))
    return pairs


def _source(text: str) -> tuple[str, dict[str, str] | None]:
    """``"runs/a#eadc=eadc-v1,minirocket"`` -> ``("runs/a", {"eadc": "eadc-v1", "minirocket": "minirocket"})``."""
    path, sep, names = text.partition("#")
    if not sep:
        return path, None
    keep = {}
    for item in filter(None, (n.strip() for n in names.split(","))):
        old, _, new = item.partition("=")
        keep[old.strip()] = new.strip() or old.strip()
    if not keep:
        raise click.BadParameter(f"no estimator names after '#' in {text!r}", param_hint="SOURCE")
    return path, keep


def _problems(archive: str | None, datasets: str | None, task: str | None) -> tuple[list[str], str]:
    """The problem names and the task of ``tsevo benchmark``'s options."""
    from tsevo.benchmark._archives import SELECTIONS, archive_problems, archive_task

    if archive is None:
        if not datasets:
            raise click.UsageError("give --datasets NAME,... or --archive uea|ucr|tser")
        return [d.strip() for d in datasets.split(",") if d.strip()], task or "classification"
    if task is not None and task != archive_task(archive):
        raise click.BadParameter(f"the {archive} archive is a {archive_task(archive)} archive", param_hint="--task")
    selection = (datasets or "all").strip()
    if selection in SELECTIONS:
        return archive_problems(archive, selection), archive_task(archive)
    return [d.strip() for d in selection.split(",") if d.strip()], archive_task(archive)


def _fit(clf, X, y) -> None:
    _checked(clf.fit, X, y)


def _checked(method, *args):
    """Turn the estimator's input errors into a short message and exit code 1."""
    try:
        return method(*args)
    except (ValueError, TypeError) as err:
        raise click.ClickException(str(err)) from None


if __name__ == "__main__":
    sys.exit(main())
