/**
 * Message catalogs for the API's stable error codes and for the fields they name.
 *
 * Every refusal from the API is RFC 9457 problem+json with a `code`, a `detail` (for people, in the
 * language the request's Accept-Language asks for: zh-CN unless English is preferred), often a `field`, and
 * sometimes `errors` (one item per row, field or entry, each with its own `code`). The texts live in
 * /common/codes.json, which the server reads too (server/i18n.py): one catalog for both sides, and
 * tests/server/test_language.py checks that every code the server can raise is in it. Keys here are
 * "code.<code>" and "field.<name>"; common.js's describeProblem() turns a problem into a sentence in the
 * user's language with its field.
 */

import { addPairs } from "/common/i18n.js";
import catalog from "/common/codes.json" with { type: "json" };

addPairs(catalog.codes, "code.");
addPairs(catalog.fields, "field.");
