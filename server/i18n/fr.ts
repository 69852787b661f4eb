/**
 * Every word a user sees, in French. Keys are stable; `{name}` placeholders
 * are filled by `t()`. Another language is another file with the same keys.
 */
export const fr = {
  'error.validation': 'Données invalides : {details}',
  'error.not_found': 'Introuvable.',
  'error.internal': 'Une erreur inattendue est survenue. Réessayez ; si cela persiste, prévenez le responsable.',
  'error.body_too_large': 'La requête est trop volumineuse.',
  'error.bad_json': 'Le corps de la requête n’est pas un JSON valide.',
  'error.unauthenticated': 'Veuillez vous connecter avec votre code PIN.',
  'error.forbidden_role': 'Cette action est réservée au responsable.',
  'error.csrf': 'Requête refusée : elle ne vient pas d’un poste de cette boutique.',

  'auth.pin_wrong': 'Code PIN incorrect.',
  'auth.pin_wrong_remaining': 'Code PIN incorrect. Encore {remaining} essai(s) avant blocage.',
  'auth.locked': 'Trop d’essais incorrects. Réessayez dans {minutes} minute(s).',
  'auth.user_inactive': 'Ce compte est désactivé.',

  'user.pin_taken': 'Ce code PIN est déjà utilisé par un autre utilisateur.',
  'user.pin_format': 'Le code PIN doit comporter de 4 à 8 chiffres.',

  'product.not_found': 'Produit introuvable.',
  'product.sku_taken': 'La référence (SKU) {sku} existe déjà.',
  'product.gtin_taken': 'Le code-barres (GTIN) {gtin} est déjà attribué à un autre produit.',
  'product.gtin_invalid': 'Le code-barres {gtin} n’est pas valide (chiffre de contrôle incorrect).',
  'product.inactive': 'Le produit « {name} » n’est plus vendu.',

  'batch.not_found': 'Lot introuvable.',
  'batch.lot_taken': 'Le lot {lotNumber} existe déjà pour ce produit.',
  'batch.stock_negative': 'Ajustement refusé : le stock du lot {lotNumber} deviendrait négatif ({quantity} en stock).',
  'batch.recalled_final': 'Le lot {lotNumber} est rappelé : son statut ne peut plus changer.',
  'batch.nothing_to_change': 'Aucune modification demandée.',

  'sale.empty': 'La vente ne contient aucun article.',
  'sale.insufficient_stock': 'Stock insuffisant pour « {name} » : {requested} demandé(s), {available} disponible(s).',
  'sale.no_sellable_lot': 'Aucun lot vendable pour « {name} » : {reasons}.',
  'sale.reason_expired': '{quantity} en lot(s) périmé(s)',
  'sale.reason_recalled': '{quantity} en lot(s) rappelé(s)',
  'sale.reason_recalled_why': '{quantity} en lot(s) rappelé(s) (motif : {why})',
  'sale.reason_quarantined': '{quantity} en lot(s) en quarantaine',
  'sale.tendered_too_low': 'Montant remis insuffisant : {tendered} remis pour un total de {total}.',
  'sale.not_found': 'Vente introuvable.',
  'sale.already_voided': 'La vente {number} est déjà annulée.',


  'payment.cash': 'Espèces',
  'payment.mobile_money': 'Mobile money',
  'payment.card': 'Carte bancaire',

  'receipt.title': 'Ticket {number}',
  'receipt.number': 'Ticket n° {number}',
  'receipt.phone': 'Tél. {phone}',
  'receipt.tax_id': 'NINEA / Id. fiscal : {taxId}',
  'receipt.cashier': 'Caissier : {name}',
  'receipt.lot': 'Lot {lot} · Exp. {expiry}',
  'receipt.quantity_price': '{quantity} × {unitPrice}',
  'receipt.total': 'TOTAL',
  'receipt.payment': 'Paiement : {method}',
  'receipt.tendered': 'Montant remis',
  'receipt.change': 'Monnaie rendue',
  'receipt.items': '{count} article(s)',
  'receipt.duplicate': 'DUPLICATA',
  'receipt.voided': 'ANNULÉE',
  'receipt.voided_on': 'Vente annulée le {date}',
  'receipt.keep': 'Conservez ce ticket pour tout retour.',
  'receipt.print_failed': 'Impression du ticket {number} impossible : {reason}',

  'settings.printer_target_required': 'Indiquez l’imprimante : file CUPS, /dev/usb/lp0 ou tcp://adresse:9100.',

  'sync.bad_token': 'Jeton de boutique invalide.',
  'sync.bad_admin_token': 'Jeton d’administration invalide.',
  'sync.wrong_shop': 'Ce jeton ne peut écrire que les données de la boutique {code}.',
  'sync.unknown_entity': 'Changement {entity} {id} inconnu du siège : il dépend d’un enregistrement jamais reçu.',
  'sync.inconsistent': 'Envoi refusé : données incohérentes ({detail}).',
  'sync.hq_unreachable': 'Siège injoignable : {reason}',
  'sync.hq_refused': 'Le siège a refusé l’envoi ({status}) : {message}',
  'sync.not_configured': 'Synchronisation non configurée (HQ_URL et HQ_TOKEN).',
  'shop.code_taken': 'La boutique {code} existe déjà.',
  'shop.not_found': 'Boutique introuvable.',
  'recall.no_lot': 'Aucune boutique ne détient le lot {lotNumber} de ce produit ; le rappel s’appliquera à sa réception.',

  'conflict.newer_clock': 'Modifications simultanées : la plus récente l’emporte.',
  'conflict.older_clock': 'Modifications simultanées : la valeur locale est plus récente.',
  'conflict.recall_final': 'Un lot rappelé le reste : modification ignorée.',
  'conflict.recall_wins': 'Le rappel l’emporte sur tout autre statut.',
  'conflict.clock_far_ahead': 'Horloge de la boutique en avance de plus d’un jour : modification retenue.',
  'conflict.changed_only_here': 'Modifié seulement ici : valeur conservée.',
  'conflict.changed_only_there': 'Modifié seulement par l’autre partie : valeur appliquée.',
  'conflict.duplicate_differs': 'Même identifiant reçu avec un contenu différent : la première version est gardée.',
  'conflict.sku_taken': 'Référence déjà prise par un autre produit : suffixe ajouté.',
  'conflict.gtin_taken': 'Code-barres déjà attribué à un autre produit : retiré de celui-ci.',
  'conflict.number_reused': 'Numéro de ticket déjà utilisé (restauration ?) : numéro complété.',
  'conflict.negative_stock': 'Stock négatif au siège après une vente : la vente est acceptée, à vérifier.',

  'role.cashier': 'caisse',
  'role.pharmacist': 'pharmacien',
  'role.manager': 'responsable',
  'role.admin': 'administrateur',
} as const;

export type MessageKey = keyof typeof fr;
export type MessageParams = Record<string, string | number>;

export function t(key: MessageKey, params: MessageParams = {}): string {
  return fr[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
