// RFC 5231: the :value and :count match types.
import type { Comparator, Extension, MatchType } from "../extension.js";

const OPERATORS = ["gt", "ge", "lt", "le", "eq", "ne"];

function holds(op: string, order: number): boolean {
  switch (op) {
    case "gt":
      return order > 0;
    case "ge":
      return order >= 0;
    case "lt":
      return order < 0;
    case "le":
      return order <= 0;
    case "eq":
      return order === 0;
    default:
      return order !== 0;
  }
}

const checkOperator: MatchType["validate"] = (node, _keys, _param, v) => {
  const op = node.matchParam ?? "";
  if (!op.includes("${") && !OPERATORS.includes(op.toLowerCase())) {
    v.error(node.pos, `invalid relational match '${op}' (expected one of ${OPERATORS.join(", ")})`);
  }
};

const valueMatch: MatchType = {
  tag: ":value",
  param: "string",
  validate: checkOperator,
  match(values, keys, comparator: Comparator, param) {
    const op = (param ?? "").toLowerCase();
    return values.some((v) => keys.some((k) => holds(op, comparator.compare(v, k))));
  },
};

const countMatch: MatchType = {
  tag: ":count",
  param: "string",
  validate: checkOperator,
  match(values, keys, comparator: Comparator, param) {
    const op = (param ?? "").toLowerCase();
    const count = String(values.length);
    return keys.some((k) => holds(op, comparator.compare(count, k)));
  },
};

export const relational: Extension = { name: "relational", matchTypes: [valueMatch, countMatch] };
