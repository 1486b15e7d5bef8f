import { useState } from 'preact/hooks';
import type { CampaignFields } from '../../client';
import { useConsole } from './context';
import { Field } from './Field';
import { fieldErrors } from './problem';

export const STATUSES: CampaignFields['status'][] = ['pending', 'processing', 'started', 'completed'];

interface Props {
  /** The campaign to edit; none to create one. */
  campaign?: CampaignFields;
  onSaved(campaign: CampaignFields): void;
  onCancel(): void;
}

/** Creates or edits a campaign; the server's field errors appear beside their fields. */
export function CampaignForm({ campaign, onSaved, onCancel }: Props) {
  const { client, report } = useConsole();
  const [title, setTitle] = useState(campaign?.title ?? '');
  const [description, setDescription] = useState(campaign?.description ?? '');
  const [status, setStatus] = useState<CampaignFields['status']>(campaign?.status ?? 'pending');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [saving, setSaving] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (saving) return;
    setSaving(true);
    const input = { title, description, status };
    try {
      const saved = campaign ? await client.campaigns.update(campaign.id, input) : await client.campaigns.create(input);
      onSaved(saved);
    } catch (err) {
      setErrors(fieldErrors(err) ?? {});
      setProblem(report(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="panel" aria-label={campaign ? 'Edit campaign' : 'New campaign'} onSubmit={submit} noValidate>
      <Field label="Title" value={title} onInput={setTitle} error={errors.title} />
      <Field label="Description" value={description} onInput={setDescription} error={errors.description} multiline />
      <div class="field">
        <label for="campaign-status">Status</label>
        <select
          id="campaign-status"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as CampaignFields['status'])}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {errors.status && <p class="field-error">{errors.status}</p>}
      </div>
      {problem && <p role="alert">{problem}</p>}
      <div class="buttons">
        <button type="submit">{campaign ? 'Save' : 'Create'}</button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
