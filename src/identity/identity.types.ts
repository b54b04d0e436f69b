/** Visitor identifiers after normalisation (email lower-cased, phone E.164). */
export interface NormalizedIdentifiers {
  externalId?: string;
  email?: string;
  phone?: string;
  name?: string;
  cookieId?: string;
}
