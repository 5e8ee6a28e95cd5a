// Search snippets without TeX source (loaded on the search page only, by
// book/_ext/sepconv_site.py). Sphinx's searchtools.js makes each result's
// snippet from the text of the page's HTML, where the math is still TeX
// ("\(3 \times 3\)"); MathJax typesets it only on the page itself. This
// wraps Search.htmlToText so that the math of a snippet reads as plain text
// ("3 × 3"): delimiters dropped, common commands as their symbols.
"use strict";

const SEPCONV_TEX_SYMBOLS = {
  times: "×", cdot: "·", cdots: "⋯", ldots: "…", dots: "…", le: "≤",
  leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼",
  to: "→", rightarrow: "→", leftarrow: "←", in: "∈", infty: "∞", sum: "Σ",
  prod: "Π", star: "⋆", ast: "∗", circ: "∘", otimes: "⊗", oplus: "⊕",
  mid: "|", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", pm: "±",
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", eta: "η",
  theta: "θ", lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ",
  phi: "φ", omega: "ω", Delta: "Δ", Sigma: "Σ", top: "ᵀ", quad: " ",
  qquad: " ", left: "", right: "", displaystyle: "", nonumber: "",
};

function sepconvTexToText(tex) {
  let text = tex.trim();
  for (const [open, close] of [["\\(", "\\)"], ["\\[", "\\]"], ["$$", "$$"]]) {
    if (text.startsWith(open) && text.endsWith(close)) {
      text = text.slice(open.length, text.length - close.length);
    }
  }
  text = text
    .replace(/\\(?:begin|end)\{[^}]*\}/g, " ")
    .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "$1/$2")
    .replace(/\\[,;:! ]/g, " ")
    .replace(/\\\\/g, "; ")
    .replace(/&/g, " ")
    .replace(/\\([A-Za-z]+)/g, (whole, name) =>
      name in SEPCONV_TEX_SYMBOLS ? SEPCONV_TEX_SYMBOLS[name] : "")
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ");
  return text.trim();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined") return;
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const html = new DOMParser().parseFromString(htmlString, "text/html");
    html.querySelectorAll(".math").forEach((element) => {
      element.textContent = sepconvTexToText(element.textContent);
    });
    return htmlToText(html.documentElement.outerHTML, anchor);
  };
});
