import { useEffect, useState } from 'react';

import { api, type Connector, type LifecycleEvent } from '../api';
import { formatDateTime, useI18n } from '../i18n';
import { activitySentence } from '../state';

/** How many of a connector's events its card shows. */
export const ACTIVITY_SIZE = 3;

/**
 * A connector's newest lifecycle events, in words (SPEC §9 `connector-activity-{key}`),
 * loaded again whenever the connector's state changes. Nothing is drawn until there is
 * something to show; a failed load leaves the card as it is.
 */
export function ConnectorActivity({ connector }: { connector: Connector }) {
  const { locale, t } = useI18n();
  const [events, setEvents] = useState<LifecycleEvent[]>([]);
  const { key, status, connected, connected_at: connectedAt, expires_at: expiresAt } = connector;

  useEffect(() => {
    let current = true;
    api.listConnectorEvents(key, ACTIVITY_SIZE).then(
      (loaded) => {
        if (current) setEvents(loaded);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [key, status, connected, connectedAt, expiresAt]);

  if (events.length === 0) return null;
  const titleId = `connector-activity-title-${key}`;
  return (
    <section className="card__activity" data-testid={`connector-activity-${key}`} aria-labelledby={titleId}>
      <h3 id={titleId} className="card__activity-title">
        {t.activity.title}
      </h3>
      <ol className="card__activity-list">
        {events.map((event) => (
          <li key={event.id} data-event-type={event.type}>
            <span>{activitySentence(event, t)}</span>{' '}
            <time dateTime={event.created_at}>{formatDateTime(locale, event.created_at)}</time>
          </li>
        ))}
      </ol>
    </section>
  );
}
