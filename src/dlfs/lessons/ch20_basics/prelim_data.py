# %% [markdown]
# # Data preprocessing: from a CSV file to tensors — 数据预处理：从 CSV 文件到张量
#
# **Library files:** `src/dlfs/data/preprocessing.py` (`column_means`, `fill_missing`,
# `one_hot_columns`), `src/dlfs/data/formats/csv_table.py` (`read_csv`: every cell kept as
# text, errors that name the line and column), `src/dlfs/data/datasets/titanic.py` (Kaggle's
# Titanic files, shipped with the package). Tests: `tests/basics/test_basics_preprocessing.py`.
#
# A model eats a tensor of numbers; data arrives as a table of text with holes in it. Four
# steps close the gap: **read** the file, **fill** the missing numbers, turn **categories**
# into indicator columns, and **convert** to tensors. Each step that learns something from
# the data (a mean, the list of categories, a scale) learns it from the training rows only
# and is then applied unchanged to every other row. With pandas the steps are
# `read_csv`, `fillna`, `get_dummies(dummy_na=True)` and `to_numpy`; pandas is not a
# dependency here, so we take them one at a time with Python's `csv` module and torch.

# %% [markdown] lang="zh"
# # 数据预处理：从 CSV 文件到张量
#
# **库文件：** `src/dlfs/data/preprocessing.py`（`column_means`、`fill_missing`、
# `one_hot_columns`），`src/dlfs/data/formats/csv_table.py`（`read_csv`：每个单元格都按文本保留，
# 出错时指明行号和列名），`src/dlfs/data/datasets/titanic.py`（Kaggle 的泰坦尼克号数据文件，随软件包
# 一起提供）。测试：`tests/basics/test_basics_preprocessing.py`。
#
# 模型要的是数字张量，而数据往往是一张带缺失值的文本表格。中间隔着四步：**读取**文件、**填补**缺失的
# 数值、把**类别**变成指示列、**转换**成张量。凡是要从数据里学点什么的步骤（均值、类别清单、缩放
# 尺度），都只从训练行里学，然后原样用到其他所有行上。用 pandas 时这几步是 `read_csv`、`fillna`、
# `get_dummies(dummy_na=True)` 和 `to_numpy`；本项目不依赖 pandas，所以我们用 Python 的 `csv`
# 模块和 torch 一步一步来做。

# %%
import csv

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.datasets.titanic import load_titanic
from dlfs.data.errors import DataFormatError
from dlfs.data.formats.csv_table import read_csv
from dlfs.data.preprocessing import MISSING, column_means, fill_missing, one_hot_columns

ctx = lesson_context("prelim-data")

# %% [markdown]
# ## 1. A small file, every cell visible
# We write a five-row table of houses: rooms, heating, price. Two cells of `NumRooms` and
# two of `Heating` are empty. Read back with `csv.reader`, every cell is a string and an
# empty cell is `''`: the reader knows nothing about numbers or missing values.

# %% [markdown] lang="zh"
# ## 1. 一个小文件，每个单元格都看得见
# 先写一张五行的房屋表：房间数、供暖方式、价格。`NumRooms` 有两格是空的，`Heating` 也有两格。用
# `csv.reader` 读回来，每个单元格都是字符串，空格子就是 `''`：读取器既不懂数字，也不懂缺失值。

# %%
path = ctx.path("houses.csv")
with path.open("w", newline="") as f:
    csv.writer(f).writerows([
        ["NumRooms", "Heating", "Price"],
        ["3", "gas", "127500"],
        ["", "", "106000"],
        ["4", "electric", "178100"],
        ["", "gas", "140000"],
        ["2", "", "99000"],
    ])
with path.open(newline="") as f:
    raw = list(csv.reader(f))
for row in raw:
    print(row)
assert raw[2] == ["", "", "106000"]

# %% [markdown]
# `read_csv` keeps the cells as text too, but knows each row's line number; `numeric` turns
# a column into float64 with NaN for the empty cells (and names the line and column of a
# cell that is not a number). Inputs are the first two columns, the target is the price.

# %% [markdown] lang="zh"
# `read_csv` 同样把单元格保留为文本，但记得每行的行号；`numeric` 把一列转成 float64，空格子变成
# NaN（遇到不是数字的格子，会报出它的行号和列名）。前两列是输入，价格是要预测的目标。

# %%
table = read_csv(path)
rooms = torch.from_numpy(table.numeric("NumRooms"))[:, None]      # (5, 1) float64, NaN holes
price = torch.from_numpy(table.numeric("Price")).float()           # (5,)
print("NumRooms as numbers:", rooms.flatten().tolist())
assert int(torch.isnan(rooms).sum()) == 2

# %% [markdown]
# **Numbers: fill with the mean.** `column_means` averages each column $j$ over the set $O_j$
# of rows where it is observed, and `fill_missing` writes that mean into every hole of the
# column:
#
# $$
# \text{means}_j = \frac{1}{|O_j|} \sum_{i \in O_j} x_{ij}
# $$
#
# Here $\text{means} = (3 + 4 + 2) / 3 = 3$. Filling keeps every row (dropping rows with a
# hole would lose two of five houses) at the price of pretending to know a value; a model
# can be told which values were guessed by an extra 0/1 column — which is exactly what we do
# for the categories next.
#
# **Categories: one column per value.** `Heating` has two values and some holes. Coding them
# as 0, 1, 2 would invent an order (is "electric" between "gas" and nothing?). Instead each
# value gets its own 0/1 column, and a missing cell gets one too (`<missing>`), so "unknown"
# is information the model can use: with $c_k$ the $k$-th name in `heating_names`,
# $\text{heating}_{ik} = 1$ if row $i$ holds $c_k$ and $0$ otherwise.

# %% [markdown] lang="zh"
# **数值：用均值填补。** `column_means` 对每一列 $j$，只在该列有观测值的行集合 $O_j$ 上求平均；
# `fill_missing` 再把这个均值写进该列的每一个空格：
#
# $$
# \text{means}_j = \frac{1}{|O_j|} \sum_{i \in O_j} x_{ij}
# $$
#
# 这里 $\text{means} = (3 + 4 + 2) / 3 = 3$。填补保住了每一行（删掉有空格的行，五套房子就少了两套），
# 代价是假装知道了一个值；可以再加一个 0/1 列告诉模型哪些值是猜的——下面处理类别时正是这么做的。
#
# **类别：每个取值一列。** `Heating` 有两个取值，还有空格。编成 0、1、2 会凭空造出一个顺序
# （“electric”难道介于“gas”和“无”之间？）。所以每个取值各占一个 0/1 列，缺失也单独占一列
# （`<missing>`），“不知道”本身就成了模型能用的信息：记 $c_k$ 为 `heating_names` 中的第 $k$ 个名字，
# 若第 $i$ 行的取值是 $c_k$，则 $\text{heating}_{ik} = 1$，否则为 $0$。

# %%
means = column_means(rooms)
rooms_filled = fill_missing(rooms, means)
heating, heating_names = one_hot_columns(table.column("Heating"))
print("mean rooms:", means.tolist(), "-> filled:", rooms_filled.flatten().tolist())
print("heating columns:", heating_names)
x = torch.cat([rooms_filled.float(), heating], dim=1)               # (5, 1 + 3)
print("inputs as a tensor:\n", x)
print("targets:", price.tolist())
assert means.item() == 3.0 and heating_names == ["electric", "gas", MISSING]
assert torch.equal(x, torch.tensor([[3., 0, 1, 0], [3, 0, 0, 1], [4, 1, 0, 0],
                                    [3, 0, 1, 0], [2, 0, 0, 1]]))

# %% [markdown]
# ## 2. A real table: Kaggle's Titanic
# 891 training passengers, 12 columns. First, how much is missing, column by column? Age is
# unknown for one passenger in five, the cabin for more than three in four, the port of
# embarkation for two.

# %% [markdown] lang="zh"
# ## 2. 一张真实的表：Kaggle 泰坦尼克号
# 891 名训练乘客，12 列。先逐列看看缺了多少：五分之一的乘客没有年龄，四分之三以上没有舱位号，
# 有两人没有登船港口。

# %%
train, test = load_titanic()
missing = {name: sum(not v.strip() for v in train.column(name)) for name in train.columns}
for name, count in missing.items():
    if count:
        print(f"  {name:9s} {count:4d} of {len(train)} missing ({count / len(train):.0%})")
assert (missing["Age"], missing["Cabin"], missing["Embarked"]) == (177, 687, 2)
assert sum(missing.values()) == 177 + 687 + 2

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.bar(train.columns, [missing[c] / len(train) for c in train.columns], color="tab:red")
ax.set_ylabel("fraction missing")
ax.set_title("Titanic train.csv: missing cells per column")
ax.tick_params(axis="x", rotation=45)
ctx.savefig(fig, "titanic_missing.png")

# %% [markdown]
# A decision per column:
# - `PassengerId`, `Name`, `Ticket`: identifiers and free text — left out here (the Kaggle
#   lesson `kaggle-titanic` mines titles and family groups from them).
# - `Cabin`: 77 % missing; we keep only whether it is known (`has_cabin`).
# - `Pclass`, `Age`, `SibSp`, `Parch`, `Fare`: numbers; holes filled with the **training**
#   means, then standardised with the training mean and standard deviation.
# - `Sex`, `Embarked`: categories, one-hot; `Embarked` gets a `<missing>` column (`Sex` has
#   no holes, and a column that is always 0 carries nothing).
#
# With $\tilde{x}$ the filled numbers and the sums over the $N = 891$ training rows (`mu`,
# `sigma`; torch's `std` divides by $N - 1$), every row, training or test, is scaled by
#
# $$
# \text{scaled}_{ij} = \frac{\tilde{x}_{ij} - \mu_j}{\sigma_j}, \qquad
# \mu_j = \frac{1}{N} \sum_{i=1}^{N} \tilde{x}_{ij}, \qquad
# \sigma_j = \sqrt{\frac{1}{N - 1} \sum_{i=1}^{N} (\tilde{x}_{ij} - \mu_j)^2}
# $$
#
# The test file is transformed with what was learned on the training file. It has holes of
# its own (86 ages, one fare), and none in `Embarked`: its `<missing>` column stays all zero.

# %% [markdown] lang="zh"
# 逐列做决定：
# - `PassengerId`、`Name`、`Ticket`：编号和自由文本——这里不用（Kaggle 那一课 `kaggle-titanic`
#   会从中挖出称谓和家庭分组）。
# - `Cabin`：缺了 77 %，只保留“是否已知”（`has_cabin`）。
# - `Pclass`、`Age`、`SibSp`、`Parch`、`Fare`：数值；用**训练集**均值填补空格，再用训练集的均值和
#   标准差做标准化。
# - `Sex`、`Embarked`：类别，做 one-hot 编码；`Embarked` 带一个 `<missing>` 列（`Sex` 没有空格，
#   一列永远是 0 的特征不带任何信息）。
#
# 记 $\tilde{x}$ 为填补后的数值，求和都在 $N = 891$ 个训练行上进行（即 `mu`、`sigma`；torch 的 `std`
# 除以 $N - 1$），然后每一行——不论训练行还是测试行——都按下式缩放：
#
# $$
# \text{scaled}_{ij} = \frac{\tilde{x}_{ij} - \mu_j}{\sigma_j}, \qquad
# \mu_j = \frac{1}{N} \sum_{i=1}^{N} \tilde{x}_{ij}, \qquad
# \sigma_j = \sqrt{\frac{1}{N - 1} \sum_{i=1}^{N} (\tilde{x}_{ij} - \mu_j)^2}
# $$
#
# 测试文件用从训练文件学到的东西来变换。它有自己的空格（86 个年龄、1 个票价），`Embarked` 却没有
# 空格：它的 `<missing>` 列全是 0。

# %%
NUMERIC = ["Pclass", "Age", "SibSp", "Parch", "Fare"]


def numbers(tab) -> torch.Tensor:
    return torch.stack([torch.from_numpy(tab.numeric(c)) for c in NUMERIC], dim=1)  # (N, 5)


num_train, num_test = numbers(train), numbers(test)
fill = column_means(num_train)                                   # learned on train only
filled_train = fill_missing(num_train, fill)
mu, sigma = filled_train.mean(0), filled_train.std(0)


def features(tab, num: torch.Tensor) -> torch.Tensor:
    """(N, 12): 5 standardised numbers, has_cabin, Sex (2 columns), Embarked (3 + missing)."""
    scaled = (fill_missing(num, fill) - mu) / sigma
    has_cabin = torch.tensor([[float(bool(c.strip()))] for c in tab.column("Cabin")])
    sex, _ = one_hot_columns(tab.column("Sex"), sex_names)
    port, _ = one_hot_columns(tab.column("Embarked"), port_names)
    return torch.cat([scaled.float(), has_cabin, sex, port], dim=1)


_, sex_names = one_hot_columns(train.column("Sex"), dummy_na=False)
_, port_names = one_hot_columns(train.column("Embarked"))
columns = NUMERIC + ["has_cabin"] + [f"Sex={s}" for s in sex_names] + \
    [f"Embarked={p}" for p in port_names]
x_train, x_test = features(train, num_train), features(test, num_test)
y_train = torch.from_numpy(train.numeric("Survived")).float()
print("columns:", columns)
print(f"x_train {tuple(x_train.shape)} {x_train.dtype}, x_test {tuple(x_test.shape)}, "
      f"y_train {tuple(y_train.shape)}")
print(f"test holes filled with the training means: Age {fill[1]:.2f}, Fare {fill[4]:.2f}")
assert x_train.shape == (891, 12) and x_test.shape == (418, 12)
assert not torch.isnan(x_train).any() and not torch.isnan(x_test).any()
assert int(torch.isnan(num_test).sum()) == 86 + 1
assert abs(fill[1] - 29.699) < 1e-3 and abs(fill[4] - 32.204) < 1e-3   # train-only means
torch.testing.assert_close(x_train[:, :5].mean(0), torch.zeros(5), atol=1e-5, rtol=0)
torch.testing.assert_close(x_train[:, :5].std(0), torch.ones(5), atol=1e-5, rtol=0)
assert x_train[:, -1].sum() == 2 and x_test[:, -1].sum() == 0   # Embarked=<missing>

# %% [markdown]
# The indicator columns are directly useful: the survival rate of the rows with
# `Sex=female` set is four times that of the rows with `Sex=male` set.

# %% [markdown] lang="zh"
# 指示列本身就有用：`Sex=female` 为 1 的那些行，生还率是 `Sex=male` 那些行的四倍。

# %%
female = x_train[:, columns.index("Sex=female")] == 1
rate_f, rate_m = y_train[female].mean().item(), y_train[~female].mean().item()
print(f"survival rate: women {rate_f:.1%}, men {rate_m:.1%}")
assert abs(rate_f - 0.742) < 1e-3 and abs(rate_m - 0.189) < 1e-3

# %% [markdown]
# ## 3. When a cell is wrong
# Real files contain typos. A reader that silently turns `"2o"` into NaN would fill it with
# the mean and nobody would know. `numeric` stops instead and names the file, line and
# column.

# %% [markdown] lang="zh"
# ## 3. 当某个单元格写错了
# 真实的文件里有笔误。如果读取器悄悄把 `"2o"` 变成 NaN，它就会被均值填上，谁也不会发现。`numeric`
# 会直接停下，并指出文件、行号和列名。

# %%
bad = ctx.path("houses_bad.csv")
bad.write_text(path.read_text().replace("4,electric", "4o,electric"))
try:
    read_csv(bad).numeric("NumRooms")
    raise AssertionError("a bad cell must not pass")
except DataFormatError as err:
    message = str(err)
print(message)
assert any(s in message for s in ("line 4", "第 4 行"))  # English or `dlfs --lang zh`
assert "NumRooms" in message and "'4o'" in message
