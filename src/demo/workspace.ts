// What the demo workspace holds: data sources (files in src/demo/data, copied to <import dir>/demo), segments,
// measures and example flows. Owners use the reserved example.com domain.

export const demoSources = [
  {
    name: 'CRM contacts',
    kind: 'csv',
    location: 'demo/crm_contacts.csv',
    entity: 'CrmContacts',
    primaryKey: 'contact_id',
    owners: ['crm-team@contoso.example.com'],
    description: 'Contacts from the CRM, with country.',
  },
  {
    name: 'Shop customers',
    kind: 'csv',
    location: 'demo/shop_customers.csv',
    entity: 'ShopCustomers',
    primaryKey: 'customer_no',
    owners: ['ecommerce@contoso.example.com'],
    description: 'Customer accounts of the online shop.',
  },
  {
    name: 'Loyalty members',
    kind: 'csv',
    location: 'demo/loyalty_members.csv',
    entity: 'LoyaltyMembers',
    primaryKey: 'member_id',
    owners: ['loyalty@contoso.example.com', 'crm-team@contoso.example.com'],
    description: 'Members of the loyalty programme with tier and points.',
  },
  {
    name: 'Shop orders',
    kind: 'csv',
    location: 'demo/shop_orders.csv',
    entity: 'ShopOrders',
    primaryKey: 'order_id',
    owners: ['ecommerce@contoso.example.com'],
    description: 'Orders of the online shop (joined to customers through customer_no).',
  },
];

export const demoSegments = [
  {
    name: 'Gold members',
    description: 'Loyalty tier Gold.',
    query: "LoyaltyTier eq 'Gold'",
    owners: ['loyalty@contoso.example.com'],
  },
  { name: 'Customers in Germany', query: "Country eq 'DE'", owners: ['crm-team@contoso.example.com'] },
  {
    name: 'Reachable by e-mail and phone',
    query: 'Email ne null and Phone ne null',
    owners: ['crm-team@contoso.example.com'],
  },
  {
    name: 'Points collectors',
    description: 'More than 3,000 loyalty points.',
    query: 'LoyaltyPoints gt 3000',
    owners: ['loyalty@contoso.example.com'],
  },
];

export const demoMeasures = [
  {
    name: 'Total revenue',
    kind: 'business',
    entity: 'ShopOrders',
    aggregation: 'sum',
    attribute: 'amount',
    owners: ['ecommerce@contoso.example.com'],
  },
  {
    name: 'Revenue by channel',
    kind: 'business',
    entity: 'ShopOrders',
    aggregation: 'sum',
    attribute: 'amount',
    dimensions: ['channel'],
    owners: ['ecommerce@contoso.example.com'],
  },
  {
    name: 'OrderCount',
    kind: 'customer',
    entity: 'ShopOrders',
    aggregation: 'count',
    owners: ['ecommerce@contoso.example.com'],
  },
  { name: 'Unified customers', kind: 'business', entity: 'Customer', aggregation: 'count' },
];

/** Example flows: the two examples of the original documents. Disabled until their targets are set. */
export function demoFlows(segments: Array<{ id: string; name: string }>) {
  const gold = segments.find((s) => s.name === 'Gold members');
  return [
    {
      name: 'Post to Teams when a data source refresh fails',
      enabled: false,
      trigger: { type: 'datasource-refresh-failed' },
      steps: [
        {
          name: 'post',
          type: 'teams.postMessage',
          webhookUrl: 'https://contoso.webhook.office.com/webhookb2/replace-me',
          title: 'Refresh of {{ event.data.dataSourceName }} failed',
          text: '{{ event.data.error.message }} (job {{ event.data.jobId }}). Owners: {{ event.data.owners }}',
        },
      ],
    },
    ...(gold
      ? [
          {
            name: 'E-mail the owners when Gold members pass 600',
            enabled: false,
            trigger: { type: 'segment-threshold-crossed', segmentId: gold.id, threshold: 600, direction: 'above' },
            steps: [
              {
                name: 'mail',
                type: 'email.send',
                to: '{{ event.data.owners }}',
                subject: 'Segment {{ event.data.segmentName }} crossed {{ event.data.threshold }}',
                body: 'The segment now has {{ event.data.currentValue }} members (was {{ event.data.previousValue }}).',
              },
            ],
          },
        ]
      : []),
  ];
}

/** Map, match and merge for the three customer sources (orders reach customers through ConflationMap). */
export const demoUnification = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: {
        first_name: 'FirstName',
        last_name: 'LastName',
        email: 'Email',
        phone: 'Phone',
        birth_date: 'BirthDate',
        updated_at: 'UpdatedAt',
        country: 'Country',
      },
    },
    {
      entity: 'ShopCustomers',
      primaryKey: 'customer_no',
      attributes: { given: 'FirstName', family: 'LastName', email_address: 'Email', mobile: 'Phone' },
    },
    {
      entity: 'LoyaltyMembers',
      primaryKey: 'member_id',
      attributes: {
        forename: 'FirstName',
        surname: 'LastName',
        e_mail: 'Email',
        tel: 'Phone',
        dob: 'BirthDate',
        tier: 'LoyaltyTier',
        points: 'LoyaltyPoints',
      },
    },
  ],
  match: {
    order: ['CrmContacts', 'ShopCustomers', 'LoyaltyMembers'],
    deduplicate: true,
    phoneCountry: '49',
    rules: [
      { name: 'Same e-mail', conditions: [{ attribute: 'Email', normalize: ['email'], precision: 'exact' }] },
      {
        name: 'Same phone, similar name',
        conditions: [
          { attribute: 'Phone', normalize: ['phone'], precision: 'exact' },
          { attribute: 'LastName', normalize: ['name'], precision: 'medium' },
          { attribute: 'FirstName', normalize: ['name', 'alias'], precision: 'medium' },
        ],
      },
      {
        name: 'Same birth date, similar name',
        conditions: [
          { attribute: 'BirthDate', precision: 'exact' },
          { attribute: 'LastName', normalize: ['name'], precision: 'high' },
          { attribute: 'FirstName', normalize: ['name', 'alias'], precision: 'high' },
        ],
      },
    ],
  },
  merge: {
    default: { policy: 'importance' },
    attributes: { Email: { policy: 'mostRecent', by: 'UpdatedAt' }, Phone: { policy: 'mostFilled' } },
  },
};
