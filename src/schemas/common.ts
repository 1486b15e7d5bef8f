import Joi from 'joi';
import { UUID_RE, type FieldErrors } from '../protocol';

export const uuid = () => Joi.string().pattern(UUID_RE, 'uuid').lowercase();

/** Text as DRF's CharField: trimmed, no NUL characters (Postgres cannot store them). */
export const text = () =>
  Joi.string()
    .trim()
    .pattern(/^[^\0]*$/, 'nul');

/** Same options for every body and query schema, REST and socket alike. */
export const VALIDATE_OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  stripUnknown: true,
  convert: true,
};

type Detail = Joi.ValidationErrorItem;

const MESSAGES: Record<string, (d: Detail) => string> = {
  'any.required': () => 'This field is required.',
  'object.oxor': (d) => `Give at most one of: ${(d.context?.peers as string[] | undefined)?.join(', ')}.`,
  'string.empty': () => 'This field may not be blank.',
  'string.base': (d) => (d.context?.value === null ? 'This field may not be null.' : 'Not a valid string.'),
  'any.only': (d) => `"${String(d.context?.value)}" is not a valid choice.`,
  'string.max': (d) => `Ensure this field has no more than ${d.context?.limit} characters.`,
  'string.uri': () => 'Enter a valid URL.',
  'string.uriCustomScheme': () => 'Enter a valid URL.',
  'boolean.base': () => 'Must be a valid boolean.',
  'array.base': () => 'Expected a list of items.',
  'array.min': () => 'This list may not be empty.',
  'array.unique': () => 'Items must be unique.',
  'number.base': () => 'A valid integer is required.',
  'number.integer': () => 'A valid integer is required.',
  'number.min': (d) => `Ensure this value is greater than or equal to ${d.context?.limit}.`,
  'number.max': (d) => `Ensure this value is less than or equal to ${d.context?.limit}.`,
  'string.pattern.name': (d) =>
    d.context?.name === 'nul'
      ? 'Null characters are not allowed.'
      : `"${String(d.context?.value)}" is not a valid UUID.`,
};

/** Joi details → DRF's `{"field": ["message", …]}`, every bad field at once. */
export function toFieldErrors(error: Joi.ValidationError): FieldErrors {
  const fields: FieldErrors = {};
  for (const detail of error.details) {
    const field = detail.path.length ? String(detail.path[0]) : 'non_field_errors';
    const message = MESSAGES[detail.type]?.(detail) ?? detail.message;
    (fields[field] ??= []).push(message);
  }
  return fields;
}

/** How much a search may ask of the database: the terms are ANDed substring scans. */
export const SEARCH_LIMITS = { terms: 10, termLength: 100 } as const;
/** Ordering names whitelisted fields; more than this many terms is not a real request. */
export const ORDERING_LIMITS = { terms: 10, length: 200 } as const;

/** Search terms as DRF splits them (whitespace and commas, NULs removed), duplicates dropped. */
export function searchTerms(search: string | undefined): string[] {
  if (!search) return [];
  const terms = search
    .replace(/\0/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
  // ILIKE ignores case, so terms differing only in case ask the same thing
  const seen = new Set<string>();
  return terms.filter((t) => !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
}

const search = Joi.string()
  .allow('')
  .custom((value: string, helpers) => {
    const terms = searchTerms(value);
    if (terms.length > SEARCH_LIMITS.terms) return helpers.error('search.terms', { limit: SEARCH_LIMITS.terms });
    if (terms.some((t) => t.length > SEARCH_LIMITS.termLength)) {
      return helpers.error('search.termLength', { limit: SEARCH_LIMITS.termLength });
    }
    return value;
  })
  .messages({
    'search.terms': 'Ensure this field has no more than {#limit} distinct search terms.',
    'search.termLength': 'Ensure each search term has no more than {#limit} characters.',
  });

const ordering = Joi.string()
  .allow('')
  .max(ORDERING_LIMITS.length)
  .custom((value: string, helpers) =>
    value.split(',').length > ORDERING_LIMITS.terms
      ? helpers.error('ordering.terms', { limit: ORDERING_LIMITS.terms })
      : value,
  )
  .messages({ 'ordering.terms': 'Ensure this field has no more than {#limit} ordering fields.' });

/** Listing parameters shared by every collection (pagination is checked separately). */
export const listQuery = {
  search,
  ordering,
  page: Joi.any(),
  page_size: Joi.number().integer().min(1).max(100),
};
