import { useMemo, useRef, useState, type FormEvent } from 'react';

import { api, isApiError, type Connector, type FieldError as ServerFieldError } from '../api';
import {
  activeFields,
  buildBody,
  describeForm,
  initialValues,
  initialVariant,
  type FieldDescriptor,
  type FieldErrors,
  type FieldValue,
  type FormValues,
  type FormVariant,
} from '../schemaForm';
import { untranslatedLang, useI18n, type Messages, type Words } from '../i18n';
import { fieldErrorWords, requestErrorMessage } from '../state';
import { Spinner } from './Feedback';

interface ConfigFormProps {
  connector: Connector;
  titleId: string;
  onSaved: (connector: Connector) => void;
  onCancel: () => void;
  onUnauthorized: () => void;
}

/** A config connector's settings, drawn from its JSON Schema. */
export function ConfigForm({ connector, titleId, onSaved, onCancel, onUnauthorized }: ConfigFormProps) {
  const { key } = connector;
  const { locale, t } = useI18n();
  const form = useMemo(
    () => describeForm(connector.schema ?? { type: 'object', properties: {} }, connector.secret_fields),
    [connector.schema, connector.secret_fields],
  );
  const [variant, setVariant] = useState(() => initialVariant(form, connector.config));
  const [values, setValues] = useState<FormValues>(() => initialValues(form, connector.config));
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  /** The server's refusals of shown fields, put in words when drawn (a switch redraws them). */
  const [serverErrors, setServerErrors] = useState<Readonly<Record<string, ServerFieldError>>>({});
  const [formError, setFormError] = useState<Words | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);

  const worded = useMemo(
    () => activeFields(form, variant).map((field) => inPageLanguage(key, field, t)),
    [form, variant, key, t],
  );
  const fields = useMemo(() => worded.map(({ field }) => field), [worded]);
  const hasFields = fields.length > 0;

  function setValue(name: string, value: FieldValue) {
    setValues((previous) => ({ ...previous, [name]: value }));
    setFieldErrors((previous) => withoutField(previous, name));
    setServerErrors((previous) => withoutField(previous, name));
  }

  function focusFirstError(errors: Readonly<Record<string, unknown>>) {
    const first = fields.find((field) => field.name in errors);
    // Wait for React to draw the messages before moving focus to them.
    requestAnimationFrame(() => {
      if (first !== undefined) {
        formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(first.name)}"]`)?.focus();
      } else {
        errorRef.current?.focus();
      }
    });
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setFormError(null);
    const built = buildBody(fields, values, t);
    if (!built.ok) {
      setFieldErrors(built.errors);
      setServerErrors({});
      focusFirstError(built.errors);
      return;
    }
    setFieldErrors({});
    setServerErrors({});
    setSubmitting(true);
    try {
      const saved = await api.saveConnectorConfig(key, built.body);
      onSaved(saved);
    } catch (error) {
      setSubmitting(false);
      if (isApiError(error) && error.status === 401) {
        onUnauthorized();
        return;
      }
      if (isApiError(error) && error.fields.length > 0) {
        const visible = new Set(fields.map((field) => field.name));
        const mapped: Record<string, ServerFieldError> = {};
        const elsewhere: ServerFieldError[] = [];
        for (const problem of error.fields) {
          if (visible.has(problem.field) && mapped[problem.field] === undefined) mapped[problem.field] = problem;
          else elsewhere.push(problem);
        }
        setServerErrors(mapped);
        setFormError(() => (words: Messages) =>
          elsewhere.length > 0
            ? [
                Object.keys(mapped).length > 0 ? words.form.fixFields : '',
                ...elsewhere.map((problem) => {
                  const { sentence } = fieldErrorWords(problem, problem.field, words);
                  return problem.field === '' || sentence !== problem.message
                    ? sentence
                    : words.form.otherField(problem.field, sentence);
                }),
              ]
                .filter((part) => part !== '')
                .join(' ')
            : Object.keys(mapped).length > 0
              ? words.form.fixFields
              : error.message,
        );
        focusFirstError(mapped);
        return;
      }
      setFormError(() => (words: Messages) => requestErrorMessage(error, words));
      focusFirstError({});
    }
  }

  return (
    <form
      ref={formRef}
      className="config-form"
      data-testid={`connector-form-${key}`}
      noValidate
      onSubmit={(event) => void submit(event)}
      aria-labelledby={titleId}
      aria-busy={submitting}
    >
      <div ref={errorRef} tabIndex={-1} className="config-form__top-error-anchor">
        {formError !== null && (
          <p
            className="form-error"
            role="alert"
            data-testid={`connector-form-error-${key}`}
            lang={untranslatedLang((words) => sentence(formError(words)), locale)}
          >
            {sentence(formError(t))}
          </p>
        )}
      </div>

      {!hasFields && form.variants.length === 0 && (
        <p className="config-form__empty">{t.form.noSettings}</p>
      )}

      {form.variants.length > 1 && (
        <fieldset className="variant-picker">
          <legend>{t.form.credentialsToUse}</legend>
          <div className="segmented">
            {form.variants.map((candidate, index) => (
              <label key={candidate.id} className="segmented__option">
                <input
                  type="radio"
                  name={`${key}-variant`}
                  value={candidate.id}
                  checked={variant === index}
                  onChange={() => {
                    setVariant(index);
                    setFieldErrors({});
                    setServerErrors({});
                  }}
                  data-testid={`connector-variant-${key}-${index}`}
                />
                <span>{t.schema.variants[`${key}.${candidate.id}`] ?? candidate.label ?? t.form.option(index + 1)}</span>
              </label>
            ))}
          </div>
          <VariantHint connectorKey={key} variant={form.variants[variant]} />
        </fieldset>
      )}

      {worded.map(({ field, serverHint }) => (
        <FormField
          key={field.name}
          connectorKey={key}
          field={field}
          serverHint={serverHint}
          value={values[field.name] ?? field.defaultValue}
          error={shownError(fieldErrors[field.name], serverErrors[field.name], field.label, t, locale)}
          secretSaved={connector.connected && field.secret}
          onChange={(value) => setValue(field.name, value)}
        />
      ))}

      <p className="config-form__legend">
        <span aria-hidden="true">*</span> {t.form.required}
      </p>

      <div className="config-form__actions">
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.form.cancel}
        </button>
        <button type="submit" className="button button--primary" disabled={submitting} data-testid={`connector-save-${key}`}>
          {submitting && <Spinner />}
          {submitting ? t.form.saving : connector.connected ? t.form.saveChanges : t.form.saveAndConnect}
        </button>
      </div>
    </form>
  );
}

interface FormFieldProps {
  connectorKey: string;
  field: FieldDescriptor;
  value: FieldValue;
  error: ShownError | null;
  /** The hint is the server's (English) words, not the page's language. */
  serverHint: boolean;
  /** The secret is stored already: the server never returns it. */
  secretSaved: boolean;
  onChange: (value: FieldValue) => void;
}

function FormField({ connectorKey, field, value, error, serverHint, secretSaved, onChange }: FormFieldProps) {
  const { locale, t } = useI18n();
  const hintLang = serverHint && locale !== 'en' ? 'en' : undefined;
  const id = `field-${connectorKey}-${field.name}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const savedNote = secretSaved && field.secret ? t.form.secretSaved : null;
  const description = field.description !== null && field.description !== '' ? field.description : null;
  const hasHint = description !== null || savedNote !== null;
  // The server's description and our note may be in two languages: each says which.
  const hintText = (
    <>
      {description !== null && <HintText text={description} lang={hintLang} />}
      {description !== null && savedNote !== null && ' '}
      {savedNote !== null && <span>{savedNote}</span>}
    </>
  );
  const describedBy = [hasHint ? hintId : null, error !== null ? errorId : null]
    .filter((part) => part !== null)
    .join(' ');
  const common = {
    id,
    name: field.name,
    'data-testid': `connector-field-${connectorKey}-${field.name}`,
    'aria-invalid': error !== null,
    'aria-describedby': describedBy === '' ? undefined : describedBy,
    'aria-required': field.required,
  };

  if (field.kind === 'boolean') {
    return (
      <div className={`field field--checkbox${error !== null ? ' field--invalid' : ''}`}>
        <input {...common} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} />
        <label htmlFor={id}>
          {field.label}
          {field.required && <RequiredMark />}
        </label>
        {hasHint && (
          <p id={hintId} className="field__hint">
            {hintText}
          </p>
        )}
        {error !== null && <FieldError id={errorId} error={error} />}
      </div>
    );
  }

  const text = typeof value === 'string' ? value : '';
  let control;
  if (field.kind === 'select') {
    control = (
      <select {...common} value={text} onChange={(event) => onChange(event.target.value)}>
        {(!field.required || text === '') && <option value="">{field.required ? t.form.choose : t.form.none}</option>}
        {field.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    control = (
      <textarea {...common} rows={4} spellCheck={false} value={text} onChange={(event) => onChange(event.target.value)} />
    );
  } else {
    const numeric = field.kind === 'integer' || field.kind === 'number';
    control = (
      <input
        {...common}
        type={field.inputType}
        value={text}
        onChange={(event) => onChange(event.target.value)}
        inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : undefined}
        autoComplete={field.secret ? 'new-password' : 'off'}
        spellCheck={false}
        autoCapitalize="off"
        placeholder={
          field.placeholder ??
          (secretSaved && field.secret ? '••••••••' : numeric && field.min !== null && field.max !== null ? t.form.range(field.min, field.max) : undefined)
        }
      />
    );
  }

  return (
    <div className={`field${error !== null ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {field.label}
        {field.required && <RequiredMark />}
        {!field.required && <span className="field__optional">{t.form.optional}</span>}
      </label>
      {control}
      {hasHint && (
        <p id={hintId} className="field__hint">
          {hintText}
        </p>
      )}
      {error !== null && <FieldError id={errorId} error={error} />}
    </div>
  );
}

function RequiredMark() {
  return (
    <span className="field__required" aria-hidden="true">
      *
    </span>
  );
}

/** An error under a field: the form's own, or the server's in the page's language. */
interface ShownError {
  sentence: string;
  /** `"en"` when the sentence is the server's English words on a page in another language. */
  lang: string | undefined;
  /** Someone else's words (a provider's), quoted after the sentence, in English. */
  detail: string | null;
}

function shownError(
  own: string | undefined,
  server: ServerFieldError | undefined,
  label: string,
  t: Messages,
  locale: string,
): ShownError | null {
  if (own !== undefined) return { sentence: own, lang: undefined, detail: null };
  if (server === undefined) return null;
  const words = fieldErrorWords(server, label, t);
  return { sentence: words.sentence, lang: !words.translated && locale !== 'en' ? 'en' : undefined, detail: words.detail };
}

function withoutField<T>(errors: Readonly<Record<string, T>>, name: string): Readonly<Record<string, T>> {
  if (!(name in errors)) return errors;
  const { [name]: _cleared, ...rest } = errors;
  return rest;
}

function FieldError({ id, error }: { id: string; error: ShownError }) {
  const { locale, t } = useI18n();
  return (
    <p id={id} className="field__error" lang={error.lang}>
      <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4.5v4.2M8 11v.3" stroke="#fff" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
      {sentence(error.sentence)}
      {error.detail !== null && (
        <>
          {' '}
          {t.detailIntro} <q lang={locale === 'en' ? undefined : 'en'}>{error.detail}</q>
        </>
      )}
    </p>
  );
}

/**
 * The server's messages are API-style fragments ("must not contain spaces", "the
 * provider rejected these credentials: …"); shown to people, they read as sentences.
 */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capitalized = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

/**
 * A schema description (from the server's doc comments, i.e. Markdown) with its
 * `inline code` spans drawn as code instead of showing the backticks.
 */
function HintText({ text, lang }: { text: string; lang?: string | undefined }) {
  const parts = text.split(/`([^`]+)`/);
  return (
    <span lang={lang}>
      {parts.map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}
    </span>
  );
}

/** A variant's description: the catalog's words, else the server's (marked as English). */
function VariantHint({ connectorKey, variant }: { connectorKey: string; variant: FormVariant | undefined }) {
  const { locale, t } = useI18n();
  if (variant === undefined || variant.description === null) return null;
  const translated = t.schema.variantHints[`${connectorKey}.${variant.id}`];
  return (
    <p className="field__hint">
      <HintText text={translated ?? variant.description} lang={translated === undefined && locale !== 'en' ? 'en' : undefined} />
    </p>
  );
}

/**
 * A field in the page's language: the catalog's label, hint and choices over the
 * server's English ones (`Messages['schema']`); whatever has no translation keeps the
 * server's words. Validation messages name the field by the label shown.
 */
function inPageLanguage(connectorKey: string, field: FieldDescriptor, t: Messages): { field: FieldDescriptor; serverHint: boolean } {
  const id = `${connectorKey}.${field.name}`;
  const label = t.schema.labels[id];
  const hint = t.schema.hints[id];
  return {
    field: {
      ...field,
      label: label ?? field.label,
      description: hint ?? field.description,
      options: field.options.map((option) => ({ ...option, label: t.schema.options[`${id}.${option.value}`] ?? option.label })),
    },
    serverHint: hint === undefined,
  };
}
