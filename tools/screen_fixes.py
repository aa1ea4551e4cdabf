"""Exact-text fixes to the markdown cells of the chapters (issue 19: the book on every screen).

Each fix replaces one exact piece of a markdown cell's source by another: a display equation
broken over lines so that it fits the desktop column, a display given the blank lines MyST needs
inside a directive, an inline formula rejoined so that no source line starts with ``+ `` or ``- ``
(which Markdown reads as a list item), a figure caption's formula written as math. Code cells and outputs are never touched, so the chapters
need no re-execution.

The script is idempotent: a fix whose new text is already there is skipped, a fix whose old text
is missing (and new text too) is reported. Run from the repository root:

    python tools/screen_fixes.py            # apply
    python tools/screen_fixes.py --check    # report what would change, exit 1 if anything would
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (notebook, old text, new text); the old text must occur exactly once in the notebook's markdown.
FIXES = []


def fix(notebook, old, new):
    FIXES.append((notebook, old, new))


def _text(cell):
    return cell["caption"] if "caption" in cell else "".join(cell["source"])


def _what(old):
    last = old.strip().splitlines()[-1]
    return last if last.startswith("$$ (") else old.splitlines()[0][:60]


def apply(check=False):
    changed, missing = [], []
    by_nb = {}
    for nb, old, new in FIXES:
        by_nb.setdefault(nb, []).append((old, new))
    for nb, fixes in by_nb.items():
        path = ROOT / nb
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
        cells = [c for c in data["cells"] if c["cell_type"] == "markdown"]
        # figure captions (code cells' metadata mystnb.figure.caption) are MyST markdown too
        cells += [c["metadata"]["mystnb"]["figure"] for c in data["cells"]
                  if "caption" in c.get("metadata", {}).get("mystnb", {}).get("figure", {})]
        dirty = False
        for old, new in fixes:
            hits = [c for c in cells if old in _text(c)]
            if not hits:
                if not any(new in _text(c) for c in cells):
                    missing.append((nb, _what(old)))
                continue
            if len(hits) > 1 or _text(hits[0]).count(old) > 1:
                raise SystemExit(f"{nb}: ambiguous fix, old text occurs more than once: {old[:60]!r}")
            text = _text(hits[0]).replace(old, new)
            if "caption" in hits[0]:
                hits[0]["caption"] = text
            else:
                hits[0]["source"] = text.splitlines(keepends=True)
            changed.append((nb, _what(old)))
            dirty = True
        if dirty and not check:
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for nb, what in changed:
        print(f"{'would fix' if check else 'fixed'}  {nb}: {what}")
    for nb, what in missing:
        print(f"MISSING    {nb}: {what} (neither the old nor the new text is there)")
    return changed, missing


# --- the fixes -------------------------------------------------------------------------------

# Displays inside directives need blank lines around them, or MyST reads "$$" as inline text.
fix("book/topics/topic_models.ipynb",
    r"""$H = \boldsymbol\beta$. Then
$$
\ell(\boldsymbol\theta, \boldsymbol\beta) = \sum_{dw} x_{dw}\log x_{dw} - \sum_d n_d \log n_d - D_{\mathrm{KL}}(\X \,\|\, WH),
$$
where""",
    r"""$H = \boldsymbol\beta$. Then

$$
\begin{aligned}
\ell(\boldsymbol\theta, \boldsymbol\beta) &= \sum_{dw} x_{dw}\log x_{dw} - \sum_d n_d \log n_d\\
&\quad - D_{\mathrm{KL}}(\X \,\|\, WH),
\end{aligned}
$$

where""")

# An inline formula wrapped onto a line starting with "+ " or "- " becomes a list item.
fix("book/variational/variational_inference.ipynb",
    r"""`test_one_component_elbo_is_the_exact_log_evidence` compares it with the closed-form evidence
$\log p(\X) = -\frac{ND}2\log\pi + \log\frac{\Gamma_D(\nu_N/2)}{\Gamma_D(\nu_0/2)}
+ \frac{\nu_0}2\log|\mathbf W_0^{-1}| - \frac{\nu_N}2\log|\mathbf W_N^{-1}| + \frac D2\log\frac{\beta_0}{\beta_N}$.""",
    r"""`test_one_component_elbo_is_the_exact_log_evidence` compares it with the closed-form evidence

$$
\begin{aligned}
\log p(\X) &= -\frac{ND}2\log\pi + \log\frac{\Gamma_D(\nu_N/2)}{\Gamma_D(\nu_0/2)}\\
&\quad + \frac{\nu_0}2\log|\mathbf W_0^{-1}| - \frac{\nu_N}2\log|\mathbf W_N^{-1}|
+ \frac D2\log\frac{\beta_0}{\beta_N}.
\end{aligned}
$$""")

fix("book/ica/ica.ipynb",
    r"""With $\mathbf{y} = (\I + \mathbf{E})\mathbf{s}$, $L(\mathbf{E}) = \log|\det(\I + \mathbf{E})|
- \sum_i \E\log\cosh y_i + \text{const}$. The first""",
    r"""With $\mathbf{y} = (\I + \mathbf{E})\mathbf{s}$,
$L(\mathbf{E}) = \log|\det(\I + \mathbf{E})| - \sum_i \E\log\cosh y_i + \text{const}$. The first""")

# Display equations wider than the desktop column (752 px at 1280 px in Chromium): broken over
# lines with gathered/aligned; the same terms in the same order, the same labels.
VI = "book/variational/variational_inference.ipynb"
fix(VI, r"""$$
p(x_n \given \mu, \tau) = \Normal(x_n \given \mu, \tau^{-1}), \qquad
p(\mu \given \tau) = \Normal\big(\mu \given \mu_0, (\lambda_0\tau)^{-1}\big), \qquad
p(\tau) = \mathrm{Gam}(\tau \given a_0, b_0),
$$ (vi-ng-model)""", r"""$$
\begin{gathered}
p(x_n \given \mu, \tau) = \Normal(x_n \given \mu, \tau^{-1}), \qquad
p(\mu \given \tau) = \Normal\big(\mu \given \mu_0, (\lambda_0\tau)^{-1}\big),\\
p(\tau) = \mathrm{Gam}(\tau \given a_0, b_0),
\end{gathered}
$$ (vi-ng-model)""")

fix(VI, r"""$$
p(\mu, \tau \given \x) = \Normal\big(\mu \given \mu_N, (\lambda_N' \tau)^{-1}\big)\,\mathrm{Gam}(\tau \given a_N', b_N'), \quad
\begin{aligned}
\mu_N &= \frac{\lambda_0\mu_0 + N\bar x}{\lambda_0 + N}, & \lambda_N' &= \lambda_0 + N, \\
a_N' &= a_0 + \tfrac N2, & b_N' &= b_0 + \tfrac12\Big[\textstyle\sum_n (x_n - \bar x)^2 + \frac{\lambda_0 N (\bar x - \mu_0)^2}{\lambda_0 + N}\Big].
\end{aligned}
$$ (vi-ng-exact)""", r"""$$
\begin{gathered}
p(\mu, \tau \given \x) = \Normal\big(\mu \given \mu_N, (\lambda_N' \tau)^{-1}\big)\,\mathrm{Gam}(\tau \given a_N', b_N'),\\
\begin{aligned}
\mu_N &= \frac{\lambda_0\mu_0 + N\bar x}{\lambda_0 + N}, & \lambda_N' &= \lambda_0 + N, \\
a_N' &= a_0 + \tfrac N2, & b_N' &= b_0 + \tfrac12\Big[\textstyle\sum_n (x_n - \bar x)^2 + \frac{\lambda_0 N (\bar x - \mu_0)^2}{\lambda_0 + N}\Big].
\end{aligned}
\end{gathered}
$$ (vi-ng-exact)""")

fix(VI, r"""$$
\log\rho_{nk} = \E[\log\pi_k] + \tfrac12\E\big[\log|\prec_k|\big] - \tfrac D2 \log 2\pi
- \tfrac12\Big[D\beta_k^{-1} + \nu_k(\x_n - \mathbf m_k)^\T\mathbf W_k(\x_n - \mathbf m_k)\Big],
$$ (vi-log-rho)""", r"""$$
\begin{aligned}
\log\rho_{nk} &= \E[\log\pi_k] + \tfrac12\E\big[\log|\prec_k|\big] - \tfrac D2 \log 2\pi\\
&\quad - \tfrac12\Big[D\beta_k^{-1} + \nu_k(\x_n - \mathbf m_k)^\T\mathbf W_k(\x_n - \mathbf m_k)\Big],
\end{aligned}
$$ (vi-log-rho)""")

fix(VI, r"""$$
\begin{aligned}
\alpha_k &= \alpha_0 + N_k, & \beta_k &= \beta_0 + N_k, & \mathbf m_k &= \frac{\beta_0\mathbf m_0 + N_k\bar\x_k}{\beta_k}, & \nu_k &= \nu_0 + N_k,\\
\mathbf W_k^{-1} &= \mathbf W_0^{-1} + N_k\mathbf S_k + \frac{\beta_0 N_k}{\beta_0 + N_k}(\bar\x_k - \mathbf m_0)(\bar\x_k - \mathbf m_0)^\T .
\end{aligned}
$$ (vi-bgmm-m)""", r"""$$
\begin{gathered}
\alpha_k = \alpha_0 + N_k, \qquad \beta_k = \beta_0 + N_k, \qquad
\mathbf m_k = \frac{\beta_0\mathbf m_0 + N_k\bar\x_k}{\beta_k}, \qquad \nu_k = \nu_0 + N_k,\\
\mathbf W_k^{-1} = \mathbf W_0^{-1} + N_k\mathbf S_k + \frac{\beta_0 N_k}{\beta_0 + N_k}(\bar\x_k - \mathbf m_0)(\bar\x_k - \mathbf m_0)^\T .
\end{gathered}
$$ (vi-bgmm-m)""")

fix(VI, r"""$$
\KL\big(\mathcal W(\mathbf W_1, \nu_1)\,\|\,\mathcal W(\mathbf W_2, \nu_2)\big) = \log B(\mathbf W_1, \nu_1) - \log B(\mathbf W_2, \nu_2)
+ \tfrac{\nu_1 - \nu_2}{2}\E_1\big[\log|\prec|\big] - \tfrac{\nu_1 D}{2} + \tfrac{\nu_1}{2}\tr(\mathbf W_2^{-1}\mathbf W_1);
$$ (vi-kl-wishart)""", r"""$$
\begin{aligned}
\KL\big(\mathcal W(\mathbf W_1, \nu_1)\,\|\,\mathcal W(\mathbf W_2, \nu_2)\big) &= \log B(\mathbf W_1, \nu_1) - \log B(\mathbf W_2, \nu_2)\\
&\quad + \tfrac{\nu_1 - \nu_2}{2}\E_1\big[\log|\prec|\big] - \tfrac{\nu_1 D}{2} + \tfrac{\nu_1}{2}\tr(\mathbf W_2^{-1}\mathbf W_1);
\end{aligned}
$$ (vi-kl-wishart)""")

fix(VI, r"""$$
\E_{q(\prec_k)}\KL\big(\Normal(\mathbf m_k, (\beta_k\prec_k)^{-1})\,\|\,\Normal(\mathbf m_0, (\beta_0\prec_k)^{-1})\big)
= \tfrac12\Big[\tfrac{D\beta_0}{\beta_k} - D + D\log\tfrac{\beta_k}{\beta_0} + \beta_0\nu_k(\mathbf m_k - \mathbf m_0)^\T\mathbf W_k(\mathbf m_k - \mathbf m_0)\Big].
$$ (vi-kl-gw)""", r"""$$
\begin{aligned}
&\E_{q(\prec_k)}\KL\big(\Normal(\mathbf m_k, (\beta_k\prec_k)^{-1})\,\|\,\Normal(\mathbf m_0, (\beta_0\prec_k)^{-1})\big)\\
&\quad= \tfrac12\Big[\tfrac{D\beta_0}{\beta_k} - D + D\log\tfrac{\beta_k}{\beta_0} + \beta_0\nu_k(\mathbf m_k - \mathbf m_0)^\T\mathbf W_k(\mathbf m_k - \mathbf m_0)\Big].
\end{aligned}
$$ (vi-kl-gw)""")

FA = "book/factor/factor_models.ipynb"
# A caption with TeX-like text outside math (the browser test reads "_{" as unparsed TeX).
fix(FA, "the fraction of the total variance in the discarded directions, Σ_{j>q} λ_j / Σ_j λ_j.",
    r"the fraction of the total variance in the discarded directions, "
    r"$\sum_{j>q} \lambda_j / \sum_j \lambda_j$.")
fix(FA, r"""$$
\mathbf{P}_n = \I + \load_O^\T\noise_O^{-1}\load_O, \qquad
\E[\z_n \given \x_{n,O}] = \mathbf{P}_n^{-1}\load_O^\T\noise_O^{-1}(\x_{n,O} - \mean_O), \qquad
\operatorname{Cov}[\z_n \given \x_{n,O}] = \mathbf{P}_n^{-1} .
$$ (miss-posterior)""", r"""$$
\begin{gathered}
\mathbf{P}_n = \I + \load_O^\T\noise_O^{-1}\load_O, \qquad
\E[\z_n \given \x_{n,O}] = \mathbf{P}_n^{-1}\load_O^\T\noise_O^{-1}(\x_{n,O} - \mean_O),\\
\operatorname{Cov}[\z_n \given \x_{n,O}] = \mathbf{P}_n^{-1} .
\end{gathered}
$$ (miss-posterior)""")

fix(FA, r"""$$
\boldsymbol\beta_d = \mathbf{A}^{-1}\mathbf{b}_d, \qquad
\mathbf{A} = \sum_n \E[\tilde\z_n\tilde\z_n^\T], \qquad
\mathbf{b}_d = \sum_{n:\, d \in O_n} x_{nd}\,\E[\tilde\z_n] + \Big(\sum_{n:\, d \notin O_n}\E[\tilde\z_n\tilde\z_n^\T]\Big)\boldsymbol\beta_d^{\text{old}} ,
$$ (miss-beta)""", r"""$$
\begin{gathered}
\boldsymbol\beta_d = \mathbf{A}^{-1}\mathbf{b}_d, \qquad
\mathbf{A} = \sum_n \E[\tilde\z_n\tilde\z_n^\T],\\
\mathbf{b}_d = \sum_{n:\, d \in O_n} x_{nd}\,\E[\tilde\z_n] + \Big(\sum_{n:\, d \notin O_n}\E[\tilde\z_n\tilde\z_n^\T]\Big)\boldsymbol\beta_d^{\text{old}} ,
\end{gathered}
$$ (miss-beta)""")

SEQ = "book/sequences/sequences.ipynb"
fix(SEQ, r"""$$
\z_1 \sim \Normal(\mean_0, \mathbf{V}_0), \qquad
\z_t = \mathbf{A}\z_{t-1} + \mathbf{w}_t, \quad \mathbf{w}_t \sim \Normal(\mathbf{0}, \mathbf{Q}), \qquad
\x_t = \mathbf{C}\z_t + \mathbf{v}_t, \quad \mathbf{v}_t \sim \Normal(\mathbf{0}, \mathbf{R}).
$$ (lds)""", r"""$$
\begin{gathered}
\z_1 \sim \Normal(\mean_0, \mathbf{V}_0), \qquad
\z_t = \mathbf{A}\z_{t-1} + \mathbf{w}_t, \quad \mathbf{w}_t \sim \Normal(\mathbf{0}, \mathbf{Q}),\\
\x_t = \mathbf{C}\z_t + \mathbf{v}_t, \quad \mathbf{v}_t \sim \Normal(\mathbf{0}, \mathbf{R}).
\end{gathered}
$$ (lds)""")

fix(SEQ, r"""$$
\hat{\mean}_t = \mean_t + \mathbf{J}_t(\hat{\mean}_{t+1} - \bar{\mean}_{t+1}), \qquad
\hat{\mathbf{V}}_t = \mathbf{V}_t + \mathbf{J}_t(\hat{\mathbf{V}}_{t+1} -
\bar{\mathbf{V}}_{t+1})\mathbf{J}_t^\T, \qquad
\operatorname{Cov}(\z_{t+1}, \z_t \given \x_{1:T}) = \hat{\mathbf{V}}_{t+1}\mathbf{J}_t^\T .
$$ (rts)""", r"""$$
\begin{gathered}
\hat{\mean}_t = \mean_t + \mathbf{J}_t(\hat{\mean}_{t+1} - \bar{\mean}_{t+1}), \qquad
\hat{\mathbf{V}}_t = \mathbf{V}_t + \mathbf{J}_t(\hat{\mathbf{V}}_{t+1} -
\bar{\mathbf{V}}_{t+1})\mathbf{J}_t^\T,\\
\operatorname{Cov}(\z_{t+1}, \z_t \given \x_{1:T}) = \hat{\mathbf{V}}_{t+1}\mathbf{J}_t^\T .
\end{gathered}
$$ (rts)""")

fix(SEQ, r"""$$
\mathbf{A} = \Bigl(\sum_{t\ge2}\E[\z_t\z_{t-1}^\T]\Bigr)\Bigl(\sum_{t\ge2}\E[\z_{t-1}\z_{t-1}^\T]\Bigr)^{-1}, \qquad
\mathbf{Q} = \frac{1}{T-1}\sum_{t\ge2}\E\bigl[(\z_t - \mathbf{A}\z_{t-1})(\z_t - \mathbf{A}\z_{t-1})^\T\bigr],
$$ (lds-m-a)""", r"""$$
\begin{gathered}
\mathbf{A} = \Bigl(\sum_{t\ge2}\E[\z_t\z_{t-1}^\T]\Bigr)\Bigl(\sum_{t\ge2}\E[\z_{t-1}\z_{t-1}^\T]\Bigr)^{-1},\\
\mathbf{Q} = \frac{1}{T-1}\sum_{t\ge2}\E\bigl[(\z_t - \mathbf{A}\z_{t-1})(\z_t - \mathbf{A}\z_{t-1})^\T\bigr],
\end{gathered}
$$ (lds-m-a)""")

fix("book/topics/topic_models.ipynb", r"""$$
\begin{aligned}
\elbo ={}& \sum_{dw} x_{dw} \log \sum_k e^{\E[\log\theta_{dk}] + \E[\log\beta_{kw}]}
 - \sum_d \KL\big(\mathrm{Dir}(\boldsymbol\gamma_d)\,\|\,\mathrm{Dir}(\alpha\mathbf 1)\big)
 - \sum_k \KL\big(\mathrm{Dir}(\boldsymbol\lambda_k)\,\|\,\mathrm{Dir}(\eta\mathbf 1)\big),
\end{aligned}
$$ (lda-elbo)""", r"""$$
\begin{aligned}
\elbo ={}& \sum_{dw} x_{dw} \log \sum_k e^{\E[\log\theta_{dk}] + \E[\log\beta_{kw}]}\\
 &- \sum_d \KL\big(\mathrm{Dir}(\boldsymbol\gamma_d)\,\|\,\mathrm{Dir}(\alpha\mathbf 1)\big)
 - \sum_k \KL\big(\mathrm{Dir}(\boldsymbol\lambda_k)\,\|\,\mathrm{Dir}(\eta\mathbf 1)\big),
\end{aligned}
$$ (lda-elbo)""")

fix("book/ica/ica.ipynb", r"""$$
L(\mathbf{E}) = L(\mathbf{0}) - \frac12\sum_k (1 + m_k)E_{kk}^2
- \frac12\sum_{i<j}\begin{pmatrix}E_{ij}\\ E_{ji}\end{pmatrix}^{\!\T}
\begin{pmatrix}\E\psi'(s_i)\,\E s_j^2 & 1\\ 1 & \E\psi'(s_j)\,\E s_i^2\end{pmatrix}
\begin{pmatrix}E_{ij}\\ E_{ji}\end{pmatrix},
$$ (ica-hessian)""", r"""$$
\begin{aligned}
L(\mathbf{E}) = L(\mathbf{0}) &- \frac12\sum_k (1 + m_k)E_{kk}^2\\
&- \frac12\sum_{i<j}\begin{pmatrix}E_{ij}\\ E_{ji}\end{pmatrix}^{\!\T}
\begin{pmatrix}\E\psi'(s_i)\,\E s_j^2 & 1\\ 1 & \E\psi'(s_j)\,\E s_i^2\end{pmatrix}
\begin{pmatrix}E_{ij}\\ E_{ji}\end{pmatrix},
\end{aligned}
$$ (ica-hessian)""")

fix("book/sparse/sparse_coding.ipynb", r"""$$
F(\mathbf{c}^{(k)}) - F^\star \le \frac{L\|\mathbf{c}^{(0)} - \mathbf{c}^\star\|^2}{2k}
\quad\text{(ISTA)}, \qquad
F(\mathbf{c}^{(k)}) - F^\star \le \frac{2L\|\mathbf{c}^{(0)} - \mathbf{c}^\star\|^2}{(k+1)^2}
\quad\text{(FISTA)} .
$$ (sparse-rates)""", r"""$$
\begin{aligned}
F(\mathbf{c}^{(k)}) - F^\star &\le \frac{L\|\mathbf{c}^{(0)} - \mathbf{c}^\star\|^2}{2k}
\quad\text{(ISTA)},\\
F(\mathbf{c}^{(k)}) - F^\star &\le \frac{2L\|\mathbf{c}^{(0)} - \mathbf{c}^\star\|^2}{(k+1)^2}
\quad\text{(FISTA)} .
\end{aligned}
$$ (sparse-rates)""")

BM = "book/boltzmann/boltzmann.ipynb"
fix(BM, r"""$$
\frac{\partial \ell}{\partial \theta}
= \Big\langle -\frac{\partial E}{\partial \theta} \Big\rangle_{\text{data}}
- \Big\langle -\frac{\partial E}{\partial \theta} \Big\rangle_{\text{model}},
\qquad\text{so}\qquad
\frac{\partial \ell}{\partial W_{ij}} = \langle s_i s_j \rangle_{\text{data}} - \langle s_i s_j \rangle_{\text{model}},
\quad
\frac{\partial \ell}{\partial b_i} = \langle s_i \rangle_{\text{data}} - \langle s_i \rangle_{\text{model}},
$$ (bm-grad)""", r"""$$
\begin{gathered}
\frac{\partial \ell}{\partial \theta}
= \Big\langle -\frac{\partial E}{\partial \theta} \Big\rangle_{\text{data}}
- \Big\langle -\frac{\partial E}{\partial \theta} \Big\rangle_{\text{model}},
\qquad\text{so}\\
\frac{\partial \ell}{\partial W_{ij}} = \langle s_i s_j \rangle_{\text{data}} - \langle s_i s_j \rangle_{\text{model}},
\quad
\frac{\partial \ell}{\partial b_i} = \langle s_i \rangle_{\text{data}} - \langle s_i \rangle_{\text{model}},
\end{gathered}
$$ (bm-grad)""")

fix(BM, r"""$$
\frac{\partial \ell}{\partial \mathbf{W}} = \big\langle P(\mathbf{h}{=}\mathbf{1}\given\mathbf{v})\,\mathbf{v}^\T \big\rangle_{\text{data}}
- \big\langle \mathbf{h}\mathbf{v}^\T \big\rangle_{\text{model}},\quad
\frac{\partial \ell}{\partial \mathbf{b}} = \langle \mathbf{v} \rangle_{\text{data}} - \langle \mathbf{v} \rangle_{\text{model}},\quad
\frac{\partial \ell}{\partial \mathbf{c}} = \langle P(\mathbf{h}{=}\mathbf{1}\given\mathbf{v}) \rangle_{\text{data}} - \langle \mathbf{h} \rangle_{\text{model}},
$$ (rbm-grad)""", r"""$$
\begin{gathered}
\frac{\partial \ell}{\partial \mathbf{W}} = \big\langle P(\mathbf{h}{=}\mathbf{1}\given\mathbf{v})\,\mathbf{v}^\T \big\rangle_{\text{data}}
- \big\langle \mathbf{h}\mathbf{v}^\T \big\rangle_{\text{model}},\\
\frac{\partial \ell}{\partial \mathbf{b}} = \langle \mathbf{v} \rangle_{\text{data}} - \langle \mathbf{v} \rangle_{\text{model}},\quad
\frac{\partial \ell}{\partial \mathbf{c}} = \langle P(\mathbf{h}{=}\mathbf{1}\given\mathbf{v}) \rangle_{\text{data}} - \langle \mathbf{h} \rangle_{\text{model}},
\end{gathered}
$$ (rbm-grad)""")

fix("book/vae/vae.ipynb", r"""$$
\mathbf{m}_t = \beta_1\mathbf{m}_{t-1} + (1-\beta_1)\mathbf{g}_t,\quad
\mathbf{v}_t = \beta_2\mathbf{v}_{t-1} + (1-\beta_2)\mathbf{g}_t^2,\quad
\params_t = \params_{t-1} - \alpha\,\frac{\mathbf{m}_t / (1 - \beta_1^t)}{\sqrt{\mathbf{v}_t / (1 - \beta_2^t)} + \epsilon}.
$$ (vae-adam)""", r"""$$
\begin{gathered}
\mathbf{m}_t = \beta_1\mathbf{m}_{t-1} + (1-\beta_1)\mathbf{g}_t,\quad
\mathbf{v}_t = \beta_2\mathbf{v}_{t-1} + (1-\beta_2)\mathbf{g}_t^2,\\
\params_t = \params_{t-1} - \alpha\,\frac{\mathbf{m}_t / (1 - \beta_1^t)}{\sqrt{\mathbf{v}_t / (1 - \beta_2^t)} + \epsilon}.
\end{gathered}
$$ (vae-adam)""")

fix("book/applications/imputation.ipynb", r"""$$
\E[\x_m \given \x_o] = \sum_{k} p(k \given \x_o)\big(\mean_{k,m} + \cov_{k,mo}\cov_{k,oo}^{-1}(\x_{o} - \mean_{k,o})\big),
\qquad p(k \given \x_o) \propto \pi_k\,\Normal(\x_o \given \mean_{k,o}, \cov_{k,oo}).
$$ (imp-gmm)""", r"""$$
\begin{gathered}
\E[\x_m \given \x_o] = \sum_{k} p(k \given \x_o)\big(\mean_{k,m} + \cov_{k,mo}\cov_{k,oo}^{-1}(\x_{o} - \mean_{k,o})\big),\\
p(k \given \x_o) \propto \pi_k\,\Normal(\x_o \given \mean_{k,o}, \cov_{k,oo}).
\end{gathered}
$$ (imp-gmm)""")


if __name__ == "__main__":
    check = "--check" in sys.argv[1:]
    changed, missing = apply(check=check)
    sys.exit(1 if (check and changed) or missing else 0)
