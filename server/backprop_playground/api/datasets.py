"""Datasets: the seeded catalogue, one generated dataset, and CSV upload."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import Field

from backprop_playground.api.deps import JobsDep, LimitsDep
from backprop_playground.api.errors import responses
from backprop_playground.nets.datasets import DATASETS, Dataset, make_dataset, parse_csv
from backprop_playground.schema.api import WireFloat, WireModel

router = APIRouter(prefix="/datasets", tags=["datasets"])


class DatasetInfo(WireModel):
    """A named, seeded generator and its defaults."""

    name: str = Field(examples=["moons"])
    description: str
    task: str = Field(description="binary, multiclass or regression", examples=["binary"])
    n: int = Field(description="Default number of rows.", examples=[200])
    noise: float = Field(examples=[0.1])
    classes: int | None = Field(examples=[2])


class DatasetOut(WireModel):
    """Rows `x` (n × d) and targets `y` (labels for classification, numbers or rows for regression)."""

    name: str = Field(examples=["xor"])
    task: str = Field(examples=["binary"])
    classes: int | None = Field(examples=[2])
    features: list[str] = Field(examples=[["x1", "x2"]])
    x: list[list[WireFloat]] = Field(examples=[[[0, 0], [0, 1], [1, 0], [1, 1]]])
    y: list[WireFloat] | list[list[WireFloat]] = Field(examples=[[0, 1, 1, 0]])


def dataset_out(data: Dataset) -> DatasetOut:
    return DatasetOut(
        name=data.name,
        task=data.task,
        classes=data.n_classes,
        features=list(data.feature_names),
        x=data.x.tolist(),
        y=data.y.tolist(),
    )


@router.get("", response_model=list[DatasetInfo], summary="The seeded datasets of the lecture")
def list_datasets() -> list[DatasetInfo]:
    return [DatasetInfo(name=name, **info.public()) for name, info in DATASETS.items()]


_CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "A header row, then numeric rows; the last column is the target.",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/csv",
    response_model=DatasetOut,
    summary="Upload CSV (text/csv body or multipart field `file`) and get it parsed and validated",
    openapi_extra=_CSV_BODY,
    responses=responses(400, 413, 422, 503),
)
async def upload_csv(request: Request, jobs: JobsDep, limits: LimitsDep) -> DatasetOut:
    text = await _csv_text(request)
    data = await jobs.run(parse_csv, text, limits)
    return dataset_out(data)


async def _csv_text(request: Request) -> str:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form() as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(422, "multipart upload needs a file field named 'file'")
            raw = await upload.read()
    else:
        raw = await request.body()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(422, "the CSV must be UTF-8 text") from None


@router.get(
    "/{name}",
    response_model=DatasetOut,
    summary="Generate a seeded dataset",
    responses=responses(404, 422, 503),
)
async def get_dataset(
    name: Annotated[str, Path(examples=["moons"])],
    jobs: JobsDep,
    limits: LimitsDep,
    n: Annotated[int | None, Query(ge=1, le=1_000_000, description="Rows (default: the dataset's).")] = None,
    noise: Annotated[float | None, Query(ge=0, le=100)] = None,
    seed: Annotated[int, Query(ge=0, lt=2**32)] = 0,
    classes: Annotated[int | None, Query(ge=2, le=1000, description="Spiral arms, Gaussian blobs.")] = None,
) -> Any:
    if name not in DATASETS:
        raise HTTPException(404, f"no dataset {name!r}; choose one of {', '.join(DATASETS)}")
    data = await jobs.run(make_dataset, name, n, noise, seed, classes, limits)
    return dataset_out(data)
